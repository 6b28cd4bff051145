package io.opencdi.agent.runtime.simulated;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesiredPower;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.StartAdmission;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Many virtual clusters and nodes in one process, KWOK-style: desktops exist only in memory, take a
 * realistic time to start and stop, and use capacity truthfully (a node is never over-committed).
 *
 * <p>One lock guards all state; transitions are timer tasks on one scheduler thread, so 50,000
 * desktops cost 50,000 small objects and pending timer entries, not threads. The state lives as
 * long as the process: after a restart the inventory is empty and the gateway's {@code Welcome}
 * brings the desktops back.
 *
 * <p>Why one class of some 700 lines: every command, timer task and report reads and changes the
 * same state under that one lock, and the lock is what makes "never over-committed" true; spread
 * over classes, each would need the lock's discipline spelt out again. The state's shapes ({@link
 * SimCluster}, {@link SimNode}, {@link SimDesktop}, {@link SimSnapshot}), the fleet file and the
 * live figures are apart.
 */
public final class SimulatedRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "simulated";

  private static final Logger LOG = Logger.getLogger(SimulatedRuntime.class);

  private final Fleet fleet;
  private final Latencies latencies;
  private final ScheduledExecutorService timers;
  private final boolean ownsTimers;
  private final LongSupplier clock;
  private final RandomGenerator random;
  private final Map<String, SimCluster> clusters = new LinkedHashMap<>();
  private final RuntimeListeners listeners = new RuntimeListeners(LOG);
  private final Map<String, DisplayEndpoint> sharedDisplays;
  private final Map<String, Duration> liveDelays = new ConcurrentHashMap<>();
  // Reads only the fleet's definitions, which never change: no lock.
  private final StartAdmission admission =
      new StartAdmission(
          new FleetClusters(), StartAdmission.Sizes.NOT_NEGATIVE, StartAdmission.OwnChecks.NONE);

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, SimDesktop> desktops = new HashMap<>();
  // guarded by lock
  private final Map<String, SimSnapshot> snapshots = new HashMap<>();

  /** A runtime with its own timer thread and the system clock. */
  public SimulatedRuntime(Fleet fleet, Latencies latencies) {
    this(fleet, latencies, Map.of());
  }

  /**
   * A runtime whose running desktops in the clusters named in {@code sharedDisplays} all show that
   * cluster's one real display (a VNC or any TCP server), so that the display broker can be tested
   * and load-tested with many simulated desktops. Other clusters' desktops have no display.
   */
  public SimulatedRuntime(
      Fleet fleet, Latencies latencies, Map<String, DisplayEndpoint> sharedDisplays) {
    this(fleet, latencies, newTimerThread(), true, System::currentTimeMillis, sharedDisplays);
  }

  SimulatedRuntime(
      Fleet fleet,
      Latencies latencies,
      ScheduledExecutorService timers,
      boolean ownsTimers,
      LongSupplier clock) {
    this(fleet, latencies, timers, ownsTimers, clock, Map.of());
  }

  SimulatedRuntime(
      Fleet fleet,
      Latencies latencies,
      ScheduledExecutorService timers,
      boolean ownsTimers,
      LongSupplier clock,
      Map<String, DisplayEndpoint> sharedDisplays) {
    for (String cluster : sharedDisplays.keySet()) {
      if (fleet.clusters().stream().noneMatch(c -> c.name().equals(cluster))) {
        throw new IllegalArgumentException(
            "a shared display is configured for cluster " + cluster + ", which the fleet lacks");
      }
    }
    this.sharedDisplays = Map.copyOf(sharedDisplays);
    this.fleet = fleet;
    this.latencies = latencies;
    this.timers = timers;
    this.ownsTimers = ownsTimers;
    this.clock = clock;
    this.random = RandomGenerator.getDefault();
    for (Fleet.Cluster cluster : fleet.clusters()) {
      clusters.put(cluster.name(), new SimCluster(cluster));
    }
  }

  private static ScheduledExecutorService newTimerThread() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "opencdi-simulated-runtime");
              thread.setDaemon(true);
              return thread;
            });
    // Cancelled transitions (a stop during a start) must not linger in the queue.
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /** The fleet this runtime simulates. */
  public Fleet fleet() {
    return fleet;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<ClusterReport> clusters() {
    synchronized (lock) {
      return clusters.values().stream().map(SimCluster::report).toList();
    }
  }

  @Override
  public Optional<ClusterReport> cluster(String name) {
    synchronized (lock) {
      SimCluster cluster = name == null ? null : clusters.get(name);
      return Optional.ofNullable(cluster).map(SimCluster::report);
    }
  }

  /**
   * Simulated desktops draw nothing: there is no display to connect to, unless their cluster has a
   * shared display configured, which every running desktop of that cluster then shows.
   */
  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    DisplayEndpoint shared = sharedDisplays.get(cluster);
    if (shared == null) {
      return Optional.empty();
    }
    synchronized (lock) {
      SimDesktop desktop = desktops.get(desktopId);
      boolean running =
          desktop != null
              && cluster.equals(desktop.cluster)
              && desktop.state == DesktopState.RUNNING;
      return running ? Optional.of(shared) : Optional.empty();
    }
  }

  @Override
  public boolean isReady(String cluster) {
    synchronized (lock) {
      SimCluster c = clusters.get(cluster);
      return c != null && c.ready;
    }
  }

  @Override
  public List<DesktopStatus> inventory() {
    synchronized (lock) {
      List<DesktopStatus> inventory = new ArrayList<>(desktops.size());
      for (SimDesktop desktop : desktops.values()) {
        inventory.add(desktop.last);
      }
      return inventory;
    }
  }

  /**
   * Simulated live state (see {@link SimulatedLive}): the figures are derived from each desktop's
   * spec and the time, the node list from the fleet and the desktops placed on it.
   */
  @Override
  public LiveReport live(LiveQuery query) {
    Duration delay = liveDelays.get(query.cluster());
    if (delay != null) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return LiveReport.failed(query, "interrupted");
      }
    }
    long now = now();
    List<DesktopUsage> usage = new ArrayList<>();
    List<NodeUsage> nodes = new ArrayList<>();
    synchronized (lock) {
      SimCluster cluster = clusters.get(query.cluster());
      if (cluster == null) {
        return LiveReport.failed(query, unknownCluster(query.cluster()));
      }
      for (String id : query.desktopIds()) {
        SimDesktop d = desktops.get(id);
        if (d != null && d.state == DesktopState.RUNNING && query.cluster().equals(d.cluster)) {
          usage.add(SimulatedLive.usage(d.spec, d.last.observedAtEpochMillis(), now));
        }
      }
      if (query.nodes()) {
        Map<SimNode, long[]> used = new HashMap<>();
        for (SimDesktop d : desktops.values()) {
          if (d.node != null && d.state == DesktopState.RUNNING) {
            long[] sum = used.computeIfAbsent(d.node, n -> new long[2]);
            sum[0] += SimulatedLive.cpuMillis(d.spec, now);
            sum[1] += SimulatedLive.memoryMiB(d.spec, now);
          }
        }
        for (SimNode node : cluster.nodes.values()) {
          long[] sum = used.getOrDefault(node, new long[2]);
          nodes.add(
              new NodeUsage(
                  node.def.name(),
                  node.def.arch(),
                  cluster.ready,
                  node.def.cpuMillis(),
                  node.def.memoryMiB(),
                  node.externalCpuMillis + sum[0],
                  node.externalMemoryMiB + sum[1],
                  node.desktops));
        }
      }
    }
    return new LiveReport(query.queryId(), query.cluster(), usage, nodes, null);
  }

  /**
   * Makes live queries of {@code cluster} take {@code delay} before they are answered (none when
   * null): a cluster whose API server is slow, for tests of the gateway's timeout.
   */
  public void setLiveDelay(String cluster, Duration delay) {
    if (delay == null) {
      liveDelays.remove(cluster);
    } else {
      liveDelays.put(cluster, delay);
    }
  }

  @Override
  public void addListener(RuntimeListener listener) {
    listeners.add(listener);
  }

  @Override
  public Admission start(DesktopSpec spec) {
    Admission admission = this.admission.admitStart(spec);
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      SimDesktop desktop = desktops.get(spec.id());
      if (desktop == null && spec.restoreFrom() != null) {
        // The home volume is made from the snapshot, which must be a complete copy here.
        SimSnapshot source = snapshots.get(spec.restoreFrom());
        if (source == null || !source.spec.cluster().equals(spec.cluster())) {
          return Admission.refuse(
              "cluster " + spec.cluster() + " has no snapshot " + spec.restoreFrom());
        }
        if (source.state != SnapshotState.READY) {
          return Admission.refuse(
              "snapshot " + spec.restoreFrom() + " is " + source.state + ", not READY");
        }
      }
      DesiredPower.Step step =
          DesiredPower.start(
              desktop == null ? null : desktop.state, desktop != null && desktop.deleting);
      if (step == DesiredPower.Step.REFUSE_BEING_DELETED) {
        return Admission.refuse(Refusals.beingDeleted(spec.id()));
      }
      if (desktop == null) {
        desktop = new SimDesktop(spec);
        desktops.put(spec.id(), desktop);
      } else if (desktop.node != null && !desktop.cluster.equals(spec.cluster())) {
        return Admission.refuse(
            "desktop " + spec.id() + " still holds resources in cluster " + desktop.cluster);
      }
      desktop.wantRunning = true;
      desktop.wanted = spec;
      if (desktop.node == null) {
        desktop.adopt(spec);
      }
      if (step == DesiredPower.Step.BEGIN_START) {
        beginStart(desktop);
      } else {
        emit(desktop.last);
      }
      return Admission.accept();
    }
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    Admission admission = this.admission.admitDesktop(spec);
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      SimDesktop desktop = desktops.get(spec.id());
      DesiredPower.Step step =
          DesiredPower.stop(
              desktop != null,
              desktop == null ? null : desktop.state,
              desktop != null && desktop.deleting);
      if (step == DesiredPower.Step.REFUSE_BEING_DELETED) {
        return Admission.refuse(Refusals.beingDeleted(spec.id()));
      }
      if (desktop == null) {
        // Unknown here but known to the gateway (e.g. after an agent restart): its volume exists.
        desktop = new SimDesktop(spec);
        desktops.put(spec.id(), desktop);
      } else {
        desktop.wantRunning = false;
        desktop.wanted = spec;
        if (desktop.node == null) {
          desktop.adopt(spec);
        }
      }
      switch (step) {
        case BEGIN_STOP -> beginStop(desktop);
        case REPORT_STOPPED -> transition(desktop, DesktopState.STOPPED, null);
        default -> emit(desktop.last);
      }
      return Admission.accept();
    }
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    Admission admission = this.admission.admitDesktop(cluster, desktopId);
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      SimDesktop desktop = desktops.get(desktopId);
      if (desktop == null) {
        // Nothing of it is here to delete: it is gone.
        emit(new DesktopStatus(desktopId, cluster, null, DesktopState.DELETED, null, now()));
        return Admission.accept();
      }
      if (DesiredPower.delete(desktop.deleting) == DesiredPower.Step.NOTHING) {
        return Admission.accept();
      }
      desktop.deleting = true;
      desktop.wantRunning = false;
      desktop.cancelPending();
      if (desktop.node != null) {
        // The pod must terminate before the volume can go.
        long epoch = desktop.epoch;
        desktop.pending = schedule(latencies.stopNanos(random), () -> finishDelete(desktop, epoch));
      } else {
        desktops.remove(desktop.id);
        transition(desktop, DesktopState.DELETED, null);
      }
      return Admission.accept();
    }
  }

  @Override
  public Admission snapshot(SnapshotSpec spec) {
    if (spec == null || spec.id() == null || spec.id().isBlank()) {
      return Admission.refuse("snapshot id is missing");
    }
    if (spec.cluster() == null || !clusters.containsKey(spec.cluster())) {
      return Admission.refuse(unknownCluster(spec.cluster()));
    }
    synchronized (lock) {
      SimSnapshot existing = snapshots.get(spec.id());
      if (existing != null) {
        emitSnapshot(existing.last);
        return Admission.accept();
      }
      SimDesktop desktop = desktops.get(spec.desktopId());
      if (desktop == null || !desktop.cluster.equals(spec.cluster())) {
        return Admission.refuse(
            "cluster " + spec.cluster() + " has no desktop " + spec.desktopId());
      }
      if (desktop.deleting) {
        return Admission.refuse(Refusals.beingDeleted(spec.desktopId()));
      }
      SimSnapshot snapshot = new SimSnapshot(spec, (long) desktop.spec.homeVolumeGiB() << 30);
      snapshots.put(spec.id(), snapshot);
      snapshotTransition(snapshot, SnapshotState.PENDING);
      // A copy-on-write snapshot of a volume takes about as long as a power-off.
      schedule(
          latencies.stopNanos(random),
          () -> {
            synchronized (lock) {
              if (snapshots.get(spec.id()) == snapshot) {
                snapshotTransition(snapshot, SnapshotState.READY);
              }
            }
          });
      return Admission.accept();
    }
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    if (snapshotId == null || snapshotId.isBlank()) {
      return Admission.refuse("snapshot id is missing");
    }
    if (cluster == null || !clusters.containsKey(cluster)) {
      return Admission.refuse(unknownCluster(cluster));
    }
    synchronized (lock) {
      SimSnapshot snapshot = snapshots.get(snapshotId);
      if (snapshot != null && !snapshot.spec.cluster().equals(cluster)) {
        return Admission.refuse("snapshot " + snapshotId + " is not in cluster " + cluster);
      }
      if (snapshot != null) {
        snapshots.remove(snapshotId);
        snapshotTransition(snapshot, SnapshotState.DELETED);
      } else {
        emitSnapshot(
            new SnapshotStatus(
                snapshotId, null, cluster, SnapshotState.DELETED, null, null, now()));
      }
      return Admission.accept();
    }
  }

  /**
   * Sets the CPU and memory that workloads other than desktops request on a node (demos and tests).
   * Fires a capacity change.
   */
  public void setExternalUsage(String cluster, String node, long cpuMillis, long memoryMiB) {
    synchronized (lock) {
      SimNode n = requireCluster(cluster).nodes.get(node);
      if (n == null) {
        throw new IllegalArgumentException("cluster " + cluster + " has no node " + node);
      }
      n.externalCpuMillis = cpuMillis;
      n.externalMemoryMiB = memoryMiB;
      capacityChanged(cluster);
    }
  }

  /** Marks a cluster ready or not (demos and tests). Fires a capacity change. */
  public void setReady(String cluster, boolean ready) {
    synchronized (lock) {
      requireCluster(cluster).ready = ready;
      capacityChanged(cluster);
    }
  }

  @Override
  public void close() {
    if (ownsTimers) {
      timers.shutdownNow();
    }
  }

  // --- admission: what can be decided without looking at current usage

  /** The clusters of the fleet as a start's admission sees them; their definitions never change. */
  private final class FleetClusters implements StartAdmission.Clusters {
    @Override
    public Optional<StartAdmission.Offer> cluster(String name) {
      return Optional.ofNullable(clusters.get(name));
    }

    @Override
    public String unknownCluster(String name) {
      return SimulatedRuntime.this.unknownCluster(name);
    }
  }

  private String unknownCluster(String name) {
    String served =
        clusters.keySet().stream().limit(5).collect(Collectors.joining(", "))
            + (clusters.size() > 5 ? ", … (" + clusters.size() + " clusters)" : "");
    return "unknown cluster " + name + "; this agent serves " + served;
  }

  private SimCluster requireCluster(String name) {
    SimCluster cluster = clusters.get(name);
    if (cluster == null) {
      throw new IllegalArgumentException(unknownCluster(name));
    }
    return cluster;
  }

  // --- transitions; all run under lock

  private void beginStart(SimDesktop desktop) {
    SimNode node = clusters.get(desktop.cluster).nodes.get(desktop.spec.node());
    DesktopSpec spec = desktop.spec;
    if (!node.fits(spec)) {
      transition(
          desktop,
          DesktopState.FAILED,
          Refusals.noRoom(
              node.def.name(),
              spec.id(),
              spec.cpuMillis(),
              spec.memoryMiB(),
              node.freeCpuMillis(),
              node.freeMemoryMiB(),
              node.def.maxDesktops() - node.desktops));
      return;
    }
    node.allocate(spec);
    desktop.node = node;
    desktop.heldCpuMillis = spec.cpuMillis();
    desktop.heldMemoryMiB = spec.memoryMiB();
    transition(desktop, DesktopState.STARTING, null);
    capacityChanged(desktop.cluster);
    long epoch = ++desktop.epoch;
    desktop.pending = schedule(latencies.startNanos(random), () -> finishStart(desktop, epoch));
  }

  private void finishStart(SimDesktop desktop, long epoch) {
    synchronized (lock) {
      if (desktop.epoch != epoch || desktop.deleting) {
        return;
      }
      desktop.pending = null;
      String pattern = fleet.failPatternFor(desktop.spec.image());
      if (pattern != null) {
        release(desktop);
        transition(
            desktop,
            DesktopState.FAILED,
            "image pull failed: "
                + desktop.spec.image()
                + " (simulated failure, matches failImages pattern "
                + pattern
                + ")");
        return;
      }
      transition(desktop, DesktopState.RUNNING, null);
    }
  }

  private void beginStop(SimDesktop desktop) {
    desktop.cancelPending();
    transition(desktop, DesktopState.STOPPING, null);
    long epoch = ++desktop.epoch;
    desktop.pending = schedule(latencies.stopNanos(random), () -> finishStop(desktop, epoch));
  }

  private void finishStop(SimDesktop desktop, long epoch) {
    synchronized (lock) {
      if (desktop.epoch != epoch || desktop.deleting) {
        return;
      }
      desktop.pending = null;
      release(desktop);
      transition(desktop, DesktopState.STOPPED, null);
      if (DesiredPower.stopped(desktop.wantRunning) == DesiredPower.Step.BEGIN_START) {
        desktop.adopt(desktop.wanted);
        beginStart(desktop);
      }
    }
  }

  private void finishDelete(SimDesktop desktop, long epoch) {
    synchronized (lock) {
      if (desktop.epoch != epoch) {
        return;
      }
      desktop.pending = null;
      release(desktop);
      desktops.remove(desktop.id);
      transition(desktop, DesktopState.DELETED, null);
    }
  }

  private void release(SimDesktop desktop) {
    if (desktop.node != null) {
      desktop.node.release(desktop.heldCpuMillis, desktop.heldMemoryMiB);
      desktop.node = null;
      desktop.heldCpuMillis = 0;
      desktop.heldMemoryMiB = 0;
      capacityChanged(desktop.cluster);
    }
  }

  private void transition(SimDesktop desktop, DesktopState state, String reason) {
    desktop.state = state;
    String node = desktop.node != null ? desktop.node.def.name() : desktop.spec.node();
    desktop.last = new DesktopStatus(desktop.id, desktop.cluster, node, state, reason, now());
    emit(desktop.last);
  }

  private ScheduledFuture<?> schedule(long delayNanos, Runnable task) {
    return timers.schedule(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.error("simulated transition failed", e);
          }
        },
        delayNanos,
        TimeUnit.NANOSECONDS);
  }

  private void emit(DesktopStatus status) {
    listeners.statusChanged(status);
  }

  private void snapshotTransition(SimSnapshot snapshot, SnapshotState state) {
    snapshot.state = state;
    snapshot.last =
        new SnapshotStatus(
            snapshot.spec.id(),
            snapshot.spec.desktopId(),
            snapshot.spec.cluster(),
            state,
            state == SnapshotState.READY ? snapshot.sizeBytes : null,
            null,
            now());
    emitSnapshot(snapshot.last);
  }

  private void emitSnapshot(SnapshotStatus status) {
    listeners.snapshotChanged(status);
  }

  private void capacityChanged(String cluster) {
    listeners.capacityChanged(cluster);
  }

  private long now() {
    return clock.getAsLong();
  }
}
