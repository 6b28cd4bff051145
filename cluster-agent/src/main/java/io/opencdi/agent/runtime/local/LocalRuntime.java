package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.NodeUsage;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Real desktops as processes on the agent's host: one cluster with one node, each desktop the
 * desktop image's own {@code entrypoint.sh} (Xvnc, window manager, session) in a process group of
 * its own, with its own display, VNC port and home directory under the data directory. A desktop
 * whose runtime class is {@code gvisor} runs inside a gVisor sandbox ({@link Gvisor}); without a
 * usable {@code runsc} it is refused, never run unsandboxed. See ADR 0006.
 *
 * <p>State transitions are guarded by one lock; blocking work (spawning, waiting for the RFB
 * banner, stopping, deleting) runs on virtual threads, serialised per desktop by its own lock.
 * Homes survive power off and agent restarts: after a restart every home is reported {@code
 * STOPPED} and the gateway's {@code Welcome} powers on what should run.
 */
public final class LocalRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "local";

  /** How long CPU time is sampled for a live query: long enough to see a busy process. */
  private static final Duration LIVE_SAMPLE_WINDOW = Duration.ofMillis(250);

  /** The RFB port inside a gVisor sandbox (its network namespace is its own). */
  static final int SANDBOX_VNC_PORT = 5901;

  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final String RUN_FILE = "run.properties";
  private static final int PROBE_TIMEOUT_MILLIS = 500;

  private final LocalSettings settings;
  private final Gvisor.Probe gvisorProbe;
  private final Gvisor gvisor;
  private final boolean dropPrivileges;
  private final Path desktopsDir;
  private final List<String> runtimeClasses;
  private final ExecutorService workers;
  // Snapshots are taken and deleted one after another, so a delete never races its copy.
  private final ExecutorService snapshotWorker;
  private final HomeSnapshots homeSnapshots;
  private final List<RuntimeListener> listeners = new CopyOnWriteArrayList<>();

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, LocalDesktop> desktops = new HashMap<>();
  private final Set<Integer> displaysInUse = new HashSet<>();
  // Snapshots being taken, by id (their copies are incomplete until READY).
  private final Map<String, SnapshotSpec> snapshotsPending = new HashMap<>();
  private long usedCpuMillis;
  private long usedMemoryMiB;
  private int usedSlots;

  /**
   * Prepares the data directory, probes gVisor and finds the homes of earlier runs.
   *
   * @throws IllegalStateException when the data directory cannot serve desktops
   */
  public LocalRuntime(LocalSettings settings) {
    this.settings = settings;
    this.dropPrivileges = HostCommands.uid() == 0;
    this.desktopsDir = settings.dataDir().resolve("desktops");
    this.gvisorProbe = Gvisor.probe(settings.runsc());
    this.gvisor =
        gvisorProbe.available()
            ? new Gvisor(gvisorProbe.runsc(), settings.dataDir().resolve("runsc"))
            : null;
    this.runtimeClasses = gvisor != null ? List.of("runc", "gvisor") : List.of("runc");
    this.workers =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-local-", 0).factory());
    this.snapshotWorker =
        Executors.newSingleThreadExecutor(Thread.ofVirtual().name("opencdi-local-snap").factory());
    this.homeSnapshots = new HomeSnapshots(settings.dataDir().resolve("snapshots"));
    prepareDataDir();
    recover();
    LOG.infof(
        "local cluster %s: node %s (%s, %dm CPU, %d MiB), runtime classes %s%s, entrypoint %s,"
            + " data in %s, %d desktops found",
        settings.clusterName(),
        settings.nodeName(),
        settings.arch(),
        settings.cpuMillis(),
        settings.memoryMiB(),
        runtimeClasses,
        gvisor == null ? " (gvisor: " + gvisorProbe.reason() + ")" : "",
        settings.entrypoint(),
        settings.dataDir(),
        desktops.size());
  }

  /** The settings this runtime runs with. */
  public LocalSettings settings() {
    return settings;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<ClusterReport> clusters() {
    return List.of(report());
  }

  @Override
  public Optional<ClusterReport> cluster(String name) {
    return settings.clusterName().equals(name) ? Optional.of(report()) : Optional.empty();
  }

  @Override
  public boolean isReady(String cluster) {
    return settings.clusterName().equals(cluster);
  }

  @Override
  public List<DesktopStatus> inventory() {
    synchronized (lock) {
      return desktops.values().stream().map(d -> d.last).filter(Objects::nonNull).toList();
    }
  }

  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null
          || !settings.clusterName().equals(cluster)
          || d.state != DesktopState.RUNNING
          || d.launch == null) {
        return Optional.empty();
      }
      return Optional.of(d.launch.endpoint());
    }
  }

  @Override
  public void addListener(RuntimeListener listener) {
    listeners.add(listener);
  }

  @Override
  public Admission start(DesktopSpec spec) {
    Admission admission = admitStart(spec);
    if (!admission.accepted()) {
      return admission;
    }
    if (spec.restoreFrom() != null
        && !Files.exists(home(spec.id()), LinkOption.NOFOLLOW_LINKS)
        && (!SAFE_ID.matcher(spec.restoreFrom()).matches()
            || !homeSnapshots.exists(spec.restoreFrom()))) {
      return Admission.refuse(
          "cluster " + settings.clusterName() + " has no snapshot " + spec.restoreFrom());
    }
    synchronized (lock) {
      LocalDesktop d = desktops.computeIfAbsent(spec.id(), LocalDesktop::new);
      if (d.deleting) {
        return Admission.refuse("desktop " + spec.id() + " is being deleted");
      }
      d.wantRunning = true;
      d.wanted = spec;
      if (d.state == null || d.state == DesktopState.STOPPED || d.state == DesktopState.FAILED) {
        beginStart(d);
      } else {
        // STARTING, RUNNING: nothing to do; STOPPING: starts again once STOPPED.
        emit(d.last);
      }
      return Admission.accept();
    }
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    Admission admission =
        admitCommon(spec == null ? null : spec.cluster(), spec == null ? null : spec.id());
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      LocalDesktop d = desktops.get(spec.id());
      if (d == null) {
        // Known to the gateway, not here: its home is (now) a directory, nothing runs.
        d = new LocalDesktop(spec.id());
        d.wanted = spec;
        desktops.put(d.id, d);
        transition(d, DesktopState.STOPPED, null);
        return Admission.accept();
      }
      if (d.deleting) {
        return Admission.refuse("desktop " + spec.id() + " is being deleted");
      }
      d.wantRunning = false;
      d.wanted = spec;
      switch (d.state) {
        case STARTING, RUNNING -> beginStop(d);
        case FAILED -> transition(d, DesktopState.STOPPED, null);
        default -> emit(d.last); // STOPPING, STOPPED
      }
      return Admission.accept();
    }
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    Admission admission = admitCommon(cluster, desktopId);
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null) {
        d = new LocalDesktop(desktopId);
        desktops.put(desktopId, d);
      } else if (d.deleting) {
        return Admission.accept();
      }
      d.deleting = true;
      d.wantRunning = false;
      long epoch = ++d.epoch;
      LocalDesktop desktop = d;
      workers.execute(() -> deleteNow(desktop, epoch));
      return Admission.accept();
    }
  }

  @Override
  public Admission snapshot(SnapshotSpec spec) {
    if (spec == null || spec.id() == null || !SAFE_ID.matcher(spec.id()).matches()) {
      return Admission.refuse("snapshot id is missing or cannot name a directory");
    }
    Admission admission = admitCommon(spec.cluster(), spec.desktopId());
    if (!admission.accepted()) {
      return admission;
    }
    synchronized (lock) {
      LocalDesktop d = desktops.get(spec.desktopId());
      if (d == null) {
        return Admission.refuse(
            "cluster " + settings.clusterName() + " has no desktop " + spec.desktopId());
      }
      if (d.deleting) {
        return Admission.refuse("desktop " + spec.desktopId() + " is being deleted");
      }
      if (snapshotsPending.containsKey(spec.id())) {
        emitSnapshot(snapshotStatus(spec, SnapshotState.PENDING, null, null));
        return Admission.accept();
      }
      snapshotsPending.put(spec.id(), spec);
      emitSnapshot(snapshotStatus(spec, SnapshotState.PENDING, null, null));
    }
    snapshotWorker.execute(() -> takeSnapshot(spec));
    return Admission.accept();
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    if (snapshotId == null || !SAFE_ID.matcher(snapshotId).matches()) {
      return Admission.refuse("snapshot id is missing or cannot name a directory");
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(
          "unknown cluster " + cluster + "; this runtime serves " + settings.clusterName());
    }
    snapshotWorker.execute(
        () -> {
          SnapshotSpec spec = new SnapshotSpec(snapshotId, null, null, cluster);
          try {
            homeSnapshots.delete(snapshotId);
            emitSnapshot(snapshotStatus(spec, SnapshotState.DELETED, null, null));
          } catch (IOException | UncheckedIOException e) {
            emitSnapshot(
                snapshotStatus(
                    spec, SnapshotState.FAILED, null, "could not delete it: " + e.getMessage()));
          }
        });
    return Admission.accept();
  }

  private void takeSnapshot(SnapshotSpec spec) {
    SnapshotStatus result;
    try {
      Optional<Long> done = homeSnapshots.size(spec.id());
      long size =
          done.isPresent() ? done.get() : homeSnapshots.take(spec.id(), home(spec.desktopId()));
      result = snapshotStatus(spec, SnapshotState.READY, size, null);
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("snapshot %s of desktop %s failed: %s", spec.id(), spec.desktopId(), e.toString());
      result =
          snapshotStatus(
              spec, SnapshotState.FAILED, null, "could not copy the home directory: " + e);
    }
    synchronized (lock) {
      snapshotsPending.remove(spec.id());
    }
    emitSnapshot(result);
  }

  private SnapshotStatus snapshotStatus(
      SnapshotSpec spec, SnapshotState state, Long size, String reason) {
    return new SnapshotStatus(
        spec.id(),
        spec.desktopId(),
        settings.clusterName(),
        state,
        size,
        reason,
        System.currentTimeMillis());
  }

  private void emitSnapshot(SnapshotStatus status) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.snapshotChanged(status);
      } catch (RuntimeException e) {
        LOG.error("runtime listener failed on a snapshot status", e);
      }
    }
  }

  /** Stops every running desktop (homes stay) and the runtime's threads. */
  @Override
  public void close() {
    List<LocalDesktop> all;
    synchronized (lock) {
      all = new ArrayList<>(desktops.values());
      all.forEach(d -> d.epoch++);
    }
    List<Launch> running = new ArrayList<>();
    for (LocalDesktop d : all) {
      // Waits for a launch in progress, so that no desktop starts after the runtime closed.
      boolean locked = false;
      try {
        locked =
            d.ops.tryLock(settings.stopGrace().plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        synchronized (lock) {
          if (d.launch != null) {
            running.add(d.launch);
            d.launch = null;
          }
        }
      } finally {
        if (locked) {
          d.ops.unlock();
        }
      }
    }
    List<Thread> stoppers = new ArrayList<>();
    for (Launch launch : running) {
      stoppers.add(Thread.ofVirtual().start(() -> terminate(launch)));
    }
    for (Thread t : stoppers) {
      try {
        t.join(settings.stopGrace().plusSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    workers.shutdownNow();
    snapshotWorker.shutdownNow();
  }

  // --- for tests and diagnostics in this package

  /** The running launch of a desktop, if any. */
  /**
   * Real figures from {@code /proc}: each running desktop's process group (its processes, their CPU
   * over a short window and resident memory) and, for the node list, the host's CPU and memory.
   * Under gVisor the group is the sandbox's host processes (runsc), which is what the desktop costs
   * the host.
   */
  @Override
  public LiveReport live(LiveQuery query) {
    if (!settings.clusterName().equals(query.cluster())) {
      return LiveReport.failed(
          query,
          "unknown cluster " + query.cluster() + "; this agent serves " + settings.clusterName());
    }
    Map<String, Long> groups = new LinkedHashMap<>();
    int running = 0;
    synchronized (lock) {
      for (LocalDesktop d : desktops.values()) {
        if (d.state == DesktopState.RUNNING && d.launch != null) {
          running++;
          if (query.desktopIds().contains(d.id)) {
            groups.put(d.id, d.launch.pgid());
          }
        }
      }
    }
    HostUsage.CpuTimes before = query.nodes() ? HostUsage.cpuTimes() : null;
    Map<Long, ProcessTable.GroupUsage> usage =
        ProcessTable.measure(groups.values(), LIVE_SAMPLE_WINDOW);
    long now = System.currentTimeMillis();
    List<DesktopUsage> desktopsUsage = new ArrayList<>();
    groups.forEach(
        (id, pgid) -> {
          ProcessTable.GroupUsage u = usage.get(pgid);
          if (u != null) {
            desktopsUsage.add(
                new DesktopUsage(id, u.cpuMillis(), u.memoryBytes(), u.processes(), now));
          }
        });
    List<NodeUsage> nodes = new ArrayList<>();
    if (query.nodes()) {
      nodes.add(
          new NodeUsage(
              settings.nodeName(),
              settings.arch(),
              true,
              settings.cpuMillis(),
              settings.memoryMiB(),
              HostUsage.cpuMillis(
                  before, HostUsage.cpuTimes(), Runtime.getRuntime().availableProcessors()),
              HostUsage.memoryMiB(),
              running));
    }
    return new LiveReport(query.queryId(), query.cluster(), desktopsUsage, nodes, null);
  }

  Optional<Launch> launch(String desktopId) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      return Optional.ofNullable(d == null ? null : d.launch);
    }
  }

  /** Runs a command as the desktop user inside a desktop's gVisor sandbox. */
  HostCommands.Result execInSandbox(String desktopId, String... command) {
    Launch launch =
        launch(desktopId)
            .filter(l -> l.sandbox() != null)
            .orElseThrow(() -> new IllegalStateException(desktopId + " runs in no sandbox"));
    int uid = dropPrivileges ? settings.desktopUid() : HostCommands.uid();
    int gid = dropPrivileges ? settings.desktopGid() : uid;
    return gvisor.exec(launch.sandbox(), uid, gid, command);
  }

  /** The home directory of a desktop (it may not exist). */
  public Path home(String desktopId) {
    return desktopsDir.resolve(desktopId).resolve("home");
  }

  // --- admission

  private Admission admitCommon(String cluster, String desktopId) {
    if (desktopId == null || desktopId.isBlank()) {
      return Admission.refuse("desktop id is missing");
    }
    if (!SAFE_ID.matcher(desktopId).matches()) {
      return Admission.refuse(
          "desktop id " + desktopId + " cannot name a home directory (letters, digits, . _ -)");
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(
          "unknown cluster " + cluster + "; this runtime serves " + settings.clusterName());
    }
    return Admission.accept();
  }

  private Admission admitStart(DesktopSpec spec) {
    if (spec == null) {
      return Admission.refuse("desktop id is missing");
    }
    Admission common = admitCommon(spec.cluster(), spec.id());
    if (!common.accepted()) {
      return common;
    }
    String cluster = settings.clusterName();
    if (spec.node() == null || spec.node().isBlank()) {
      return Admission.refuse(
          "desktop " + spec.id() + " names no node; the gateway must place it on a node");
    }
    if (!settings.nodeName().equals(spec.node())) {
      return Admission.refuse("cluster " + cluster + " has no node " + spec.node());
    }
    String runtimeClass = spec.runtimeClass() == null ? "runc" : spec.runtimeClass();
    if (runtimeClass.equals("gvisor") && gvisor == null) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " cannot run runtime class gvisor: "
              + gvisorProbe.reason()
              + "; a gvisor desktop never runs unsandboxed");
    }
    if (runtimeClass.equals("kata")) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " has no runtime class kata: the local runtime runs desktops as host processes"
              + " and cannot boot Kata Containers VMs (it has "
              + String.join(", ", runtimeClasses)
              + ")");
    }
    if (!runtimeClasses.contains(runtimeClass)) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " has no runtime class "
              + runtimeClass
              + " (it has "
              + String.join(", ", runtimeClasses)
              + ")");
    }
    if (spec.storageClass() != null && !settings.storageClasses().contains(spec.storageClass())) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " has no storage class "
              + spec.storageClass()
              + " (it has "
              + String.join(", ", settings.storageClasses())
              + ")");
    }
    if (spec.cpuMillis() < 0 || spec.memoryMiB() < 0) {
      return Admission.refuse("desktop " + spec.id() + " asks for negative CPU or memory");
    }
    if (spec.cpuMillis() > settings.cpuMillis() || spec.memoryMiB() > settings.memoryMiB()) {
      return Admission.refuse(
          "desktop "
              + spec.id()
              + " would not fit on node "
              + settings.nodeName()
              + " even when it is empty: it needs "
              + spec.cpuMillis()
              + "m CPU and "
              + spec.memoryMiB()
              + " MiB, the node has "
              + settings.cpuMillis()
              + "m and "
              + settings.memoryMiB()
              + " MiB");
    }
    return Admission.accept();
  }

  // --- transitions (under lock) and the blocking work they start (on virtual threads)

  private void beginStart(LocalDesktop d) {
    DesktopSpec spec = d.wanted;
    if (usedSlots >= settings.maxDesktops()
        || usedCpuMillis + spec.cpuMillis() > settings.cpuMillis()
        || usedMemoryMiB + spec.memoryMiB() > settings.memoryMiB()) {
      transition(
          d,
          DesktopState.FAILED,
          "node "
              + settings.nodeName()
              + " has no room for desktop "
              + spec.id()
              + ": it needs "
              + spec.cpuMillis()
              + "m CPU and "
              + spec.memoryMiB()
              + " MiB, the node has "
              + (settings.cpuMillis() - usedCpuMillis)
              + "m and "
              + (settings.memoryMiB() - usedMemoryMiB)
              + " MiB free and "
              + (settings.maxDesktops() - usedSlots)
              + " desktop slots");
      return;
    }
    d.spec = spec;
    hold(d, spec);
    transition(d, DesktopState.STARTING, null);
    long epoch = ++d.epoch;
    workers.execute(() -> launch(d, epoch));
  }

  private void beginStop(LocalDesktop d) {
    transition(d, DesktopState.STOPPING, null);
    long epoch = ++d.epoch;
    workers.execute(() -> stopNow(d, epoch));
  }

  private void launch(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      DesktopSpec spec;
      synchronized (lock) {
        if (d.epoch != epoch) {
          return;
        }
        spec = d.spec;
      }
      Launch launch;
      try {
        launch = spawn(spec);
      } catch (IOException | RuntimeException e) {
        LOG.warnf("desktop %s could not start: %s", spec.id(), e.getMessage());
        synchronized (lock) {
          if (d.epoch == epoch) {
            release(d);
            transition(d, DesktopState.FAILED, "could not start the desktop: " + e.getMessage());
          }
        }
        return;
      }
      synchronized (lock) {
        // Kept even when a stop came meanwhile: the stop waits for this lock and ends it.
        d.launch = launch;
      }
      launch.process().onExit().thenRun(() -> workers.execute(() -> exited(d, launch)));
      workers.execute(() -> awaitDisplay(d, launch, epoch));
    } finally {
      d.ops.unlock();
    }
  }

  /** STARTING becomes RUNNING when the display answers with an RFB banner. */
  private void awaitDisplay(LocalDesktop d, Launch launch, long epoch) {
    long deadline = launch.startedNanos() + settings.startTimeout().toNanos();
    while (true) {
      synchronized (lock) {
        if (d.epoch != epoch || d.launch != launch) {
          return;
        }
      }
      if (!launch.process().isAlive()) {
        return; // exited() reports it
      }
      DisplayEndpoint ep = launch.endpoint();
      if (Rfb.banner(ep.host(), ep.port(), PROBE_TIMEOUT_MILLIS) != null) {
        synchronized (lock) {
          if (d.epoch == epoch && d.launch == launch && d.state == DesktopState.STARTING) {
            transition(d, DesktopState.RUNNING, null);
          }
        }
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        fail(
            d,
            launch,
            "no RFB banner on "
                + ep.host()
                + ":"
                + ep.port()
                + " within "
                + settings.startTimeout().toSeconds()
                + " s; "
                + logTail(launch));
        return;
      }
      sleep(Duration.ofMillis(50));
    }
  }

  /** The desktop's processes ended without being asked to. */
  private void exited(LocalDesktop d, Launch launch) {
    synchronized (lock) {
      if (d.launch != launch) {
        return; // a stop or delete ended it
      }
    }
    fail(
        d,
        launch,
        "the desktop's processes exited with code "
            + launch.process().exitValue()
            + "; "
            + logTail(launch));
  }

  private void fail(LocalDesktop d, Launch launch, String reason) {
    d.ops.lock();
    try {
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
      }
      terminate(launch);
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
        d.launch = null;
        displaysInUse.remove(launch.display());
        release(d);
        if (d.state == DesktopState.STARTING || d.state == DesktopState.RUNNING) {
          LOG.warnf("desktop %s failed: %s", d.id, reason);
          transition(d, DesktopState.FAILED, reason);
        }
      }
    } finally {
      d.ops.unlock();
    }
  }

  private void stopNow(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      Launch launch;
      synchronized (lock) {
        launch = d.launch;
      }
      if (launch != null) {
        terminate(launch);
      }
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          displaysInUse.remove(launch.display());
        }
        if (d.epoch != epoch || d.deleting) {
          return;
        }
        release(d);
        transition(d, DesktopState.STOPPED, null);
        if (d.wantRunning) {
          beginStart(d);
        }
      }
    } finally {
      d.ops.unlock();
    }
  }

  private void deleteNow(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      Launch launch;
      synchronized (lock) {
        launch = d.launch;
      }
      if (launch != null) {
        terminate(launch);
      }
      String problem = null;
      try {
        deleteTree(desktopsDir.resolve(d.id));
      } catch (IOException | UncheckedIOException e) {
        problem = "could not delete the home directory: " + e.getMessage();
      }
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          displaysInUse.remove(launch.display());
        }
        release(d);
        if (d.epoch != epoch) {
          return;
        }
        if (problem != null) {
          d.deleting = false;
          transition(d, DesktopState.FAILED, problem);
          return;
        }
        desktops.remove(d.id);
        transition(d, DesktopState.DELETED, null);
      }
    } finally {
      d.ops.unlock();
    }
  }

  private void hold(LocalDesktop d, DesktopSpec spec) {
    d.heldCpuMillis = spec.cpuMillis();
    d.heldMemoryMiB = spec.memoryMiB();
    d.holding = true;
    usedCpuMillis += d.heldCpuMillis;
    usedMemoryMiB += d.heldMemoryMiB;
    usedSlots++;
    capacityChanged();
  }

  private void release(LocalDesktop d) {
    if (d.holding) {
      usedCpuMillis -= d.heldCpuMillis;
      usedMemoryMiB -= d.heldMemoryMiB;
      usedSlots--;
      d.holding = false;
      capacityChanged();
    }
  }

  private void transition(LocalDesktop d, DesktopState state, String reason) {
    d.state = state;
    d.last =
        new DesktopStatus(
            d.id,
            settings.clusterName(),
            settings.nodeName(),
            state,
            reason,
            System.currentTimeMillis());
    emit(d.last);
  }

  // --- processes

  /** A started desktop: its process group, display and, under gVisor, its sandbox. */
  record Launch(
      Process process,
      long pgid,
      int display,
      DisplayEndpoint endpoint,
      Gvisor.Sandbox sandbox,
      Path log,
      long startedNanos) {}

  private Launch spawn(DesktopSpec spec) throws IOException {
    Path dir = desktopsDir.resolve(spec.id());
    Path home = dir.resolve("home");
    if (spec.restoreFrom() != null && !Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
      // A restored desktop's first start: its home begins as a copy of the snapshot.
      homeSnapshots.restore(spec.restoreFrom(), home);
    }
    Files.createDirectories(home);
    setMode(dir, "rwx--x--x");
    if (dropPrivileges) {
      Files.setAttribute(home, "unix:uid", settings.desktopUid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(home, "unix:gid", settings.desktopGid(), LinkOption.NOFOLLOW_LINKS);
    }
    Path log = dir.resolve("desktop.log");
    if (Files.exists(log)) {
      Files.move(log, dir.resolve("desktop.log.1"), StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", home.toString());
    env.put("LANG", "C.UTF-8");
    env.put("SHELL", "/bin/bash");
    env.put("OPENCDI_DESKTOP_ID", spec.id());
    env.put(
        "OPENCDI_DESKTOP_NAME",
        spec.name() == null || spec.name().isBlank() ? spec.id() : spec.name());
    env.put("OPENCDI_GEOMETRY", settings.geometry());
    env.put("OPENCDI_SESSION", settings.session());
    env.put("OPENCDI_VNC_SECURITY", "None");

    List<String> command = new ArrayList<>();
    // A session of its own makes the desktop one process group that a stop can signal whole.
    command.add("setsid");
    int display = -1;
    Gvisor.Sandbox sandbox = null;
    DisplayEndpoint endpoint;
    if ("gvisor".equals(spec.runtimeClass())) {
      int uid = dropPrivileges ? settings.desktopUid() : HostCommands.uid();
      int gid = dropPrivileges ? settings.desktopGid() : uid;
      sandbox =
          gvisor.create(
              spec.id(),
              dir.resolve("bundle"),
              home,
              settings.entrypoint(),
              uid,
              gid,
              env,
              SANDBOX_VNC_PORT);
      command.addAll(sandbox.command());
      endpoint = new DisplayEndpoint(sandbox.sandboxIp(), SANDBOX_VNC_PORT);
    } else {
      display = allocateDisplay();
      int port = freePort();
      env.put("OPENCDI_DISPLAY", Integer.toString(display));
      env.put("OPENCDI_VNC_PORT", Integer.toString(port));
      env.put("OPENCDI_VNC_LISTEN", "127.0.0.1");
      if (dropPrivileges) {
        command.addAll(
            List.of(
                "setpriv",
                "--reuid=" + settings.desktopUid(),
                "--regid=" + settings.desktopGid(),
                "--clear-groups",
                "--no-new-privs"));
      }
      command.add(settings.entrypoint().toString());
      command.add("run");
      endpoint = new DisplayEndpoint("127.0.0.1", port);
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // A clean environment: nothing of the agent's (its token above all) reaches a desktop.
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      if (sandbox != null) {
        gvisor.destroy(sandbox);
      }
      synchronized (lock) {
        displaysInUse.remove(display);
      }
      throw e;
    }
    Launch launch =
        new Launch(process, process.pid(), display, endpoint, sandbox, log, System.nanoTime());
    writeRunFile(dir, launch);
    LOG.infof(
        "desktop %s starting (%s) on %s:%d, pid %d, log %s",
        spec.id(),
        sandbox != null ? "gvisor" : "runc",
        endpoint.host(),
        endpoint.port(),
        process.pid(),
        log);
    return launch;
  }

  /**
   * Ends a desktop: SIGTERM (the entrypoint stops the session, the window manager and Xvnc), then
   * after the grace period SIGKILL to whatever is left of the process group, then the sandbox.
   */
  private void terminate(Launch launch) {
    if (launch.sandbox() != null) {
      gvisor.terminate(launch.sandbox());
    } else {
      HostCommands.signalGroup(launch.pgid(), "TERM");
    }
    try {
      launch.process().waitFor(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    HostCommands.signalGroup(launch.pgid(), "KILL");
    if (launch.sandbox() != null) {
      gvisor.destroy(launch.sandbox());
    }
    for (int i = 0; i < 40 && !HostCommands.groupMembers(launch.pgid()).isEmpty(); i++) {
      sleep(Duration.ofMillis(50));
    }
    try {
      Files.deleteIfExists(launch.log().resolveSibling(RUN_FILE));
    } catch (IOException e) {
      LOG.debugf("could not remove %s: %s", RUN_FILE, e.getMessage());
    }
  }

  private int allocateDisplay() {
    synchronized (lock) {
      for (int n = settings.displayBase(); n < settings.displayBase() + 1000; n++) {
        if (!displaysInUse.contains(n)
            && !Files.exists(Path.of("/tmp/.X11-unix/X" + n))
            && !Files.exists(Path.of("/tmp/.X" + n + "-lock"))) {
          displaysInUse.add(n);
          return n;
        }
      }
    }
    throw new IllegalStateException("no free X display from :" + settings.displayBase());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String logTail(Launch launch) {
    try {
      List<String> lines =
          Files.readAllLines(launch.log()).stream().filter(l -> !l.isBlank()).toList();
      List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
      String text = String.join(" | ", tail).trim();
      return "log " + launch.log() + (text.isEmpty() ? " is empty" : ": " + abbreviate(text));
    } catch (IOException | UncheckedIOException e) {
      return "no log at " + launch.log();
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 400 ? text : "…" + text.substring(text.length() - 400);
  }

  // --- the data directory and what an earlier agent left there

  private void prepareDataDir() {
    try {
      if (!Files.exists(settings.dataDir())) {
        // Ours alone: traversable (for the desktop user), never listable, whatever the umask.
        Files.createDirectories(settings.dataDir());
        setMode(settings.dataDir(), "rwx--x--x");
      }
      Files.createDirectories(desktopsDir);
      setMode(desktopsDir, "rwx--x--x");
      homeSnapshots.prepare();
    } catch (IOException e) {
      throw new IllegalStateException(
          "opencdi.agent.local.data-dir " + settings.dataDir() + " is not usable: " + e, e);
    }
    if (dropPrivileges) {
      // The desktop user must reach its home: every ancestor needs the search (x) bit for others.
      for (Path p = desktopsDir; p != null; p = p.getParent()) {
        try {
          Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
          if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            throw new IllegalStateException(
                "opencdi.agent.local.data-dir "
                    + settings.dataDir()
                    + " is not reachable by the desktop user (uid "
                    + settings.desktopUid()
                    + "): "
                    + p
                    + " has mode "
                    + PosixFilePermissions.toString(perms)
                    + "; give it o+x or choose a data directory such as /var/lib/opencdi/local");
          }
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the mode of " + p + ": " + e, e);
        }
      }
    }
  }

  private void recover() {
    List<Path> dirs;
    try (var list = Files.list(desktopsDir)) {
      dirs = list.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + desktopsDir + ": " + e, e);
    }
    for (Path dir : dirs) {
      String id = dir.getFileName().toString();
      if (!SAFE_ID.matcher(id).matches() || !Files.isDirectory(dir.resolve("home"))) {
        continue;
      }
      cleanUpLeftovers(id, dir);
      synchronized (lock) {
        LocalDesktop d = new LocalDesktop(id);
        desktops.put(id, d);
        transition(d, DesktopState.STOPPED, null);
      }
    }
  }

  /** Ends processes and sandboxes that an agent which did not stop cleanly left running. */
  private void cleanUpLeftovers(String id, Path dir) {
    Path runFile = dir.resolve(RUN_FILE);
    if (!Files.exists(runFile)) {
      return;
    }
    Properties run = new Properties();
    try (var in = Files.newInputStream(runFile)) {
      run.load(in);
    } catch (IOException e) {
      return;
    }
    long pgid = Long.parseLong(run.getProperty("pgid", "0"));
    String marker = "OPENCDI_DESKTOP_ID=" + id;
    boolean ours =
        HostCommands.groupMembers(pgid).stream().anyMatch(pid -> environ(pid).contains(marker));
    if (ours) {
      LOG.infof("desktop %s: ending process group %d left by an earlier agent", id, pgid);
      HostCommands.signalGroup(pgid, "KILL");
    }
    if (run.getProperty("container") != null && gvisor != null) {
      gvisor.destroy(
          new Gvisor.Sandbox(
              run.getProperty("container"),
              run.getProperty("netns"),
              run.getProperty("hostVeth"),
              run.getProperty("sandboxIp"),
              Path.of(run.getProperty("stateRoot")),
              Path.of(run.getProperty("runsc")),
              List.of()));
    }
    try {
      Files.deleteIfExists(runFile);
    } catch (IOException e) {
      LOG.debugf("could not remove %s: %s", runFile, e.getMessage());
    }
  }

  private static void writeRunFile(Path dir, Launch launch) throws IOException {
    Properties run = new Properties();
    run.setProperty("pgid", Long.toString(launch.pgid()));
    Gvisor.Sandbox s = launch.sandbox();
    if (s != null) {
      run.setProperty("container", s.containerId());
      run.setProperty("netns", s.netns());
      run.setProperty("hostVeth", s.hostVeth());
      run.setProperty("sandboxIp", s.sandboxIp());
      run.setProperty("stateRoot", s.stateRoot().toString());
      run.setProperty("runsc", s.runsc().toString());
    }
    try (var out = Files.newOutputStream(dir.resolve(RUN_FILE))) {
      run.store(out, "processes of the running desktop (for clean-up after an agent crash)");
    }
  }

  private static String environ(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "environ")).replace('\0', '\n');
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  private static void setMode(Path path, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException | IOException e) {
      LOG.debugf("could not set mode %s on %s: %s", mode, path, e.getMessage());
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // Symbolic links are removed, never followed: a desktop's home may point anywhere.
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  // --- reports and listeners

  private ClusterReport report() {
    return new ClusterReport(
        settings.clusterName(),
        settings.region(),
        settings.zone(),
        List.of(settings.arch()),
        runtimeClasses,
        settings.storageClasses(),
        List.of(),
        List.of(
            new NodeGroupReport(
                settings.nodeName(),
                settings.arch(),
                settings.cpuMillis(),
                settings.memoryMiB(),
                settings.maxDesktops(),
                0,
                0)));
  }

  private void emit(DesktopStatus status) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.statusChanged(status);
      } catch (RuntimeException e) {
        LOG.error("runtime listener failed on a status", e);
      }
    }
  }

  private void capacityChanged() {
    for (RuntimeListener listener : listeners) {
      try {
        listener.capacityChanged(settings.clusterName());
      } catch (RuntimeException e) {
        LOG.error("runtime listener failed on a capacity change", e);
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class LocalDesktop {
    final String id;

    /** Serialises the blocking work of one desktop: launch, stop, failure clean-up, delete. */
    final ReentrantLock ops = new ReentrantLock();

    DesktopSpec spec; // what it runs (or ran last)
    DesktopSpec wanted; // the last spec a command asked for
    DesktopState state;
    DesktopStatus last;
    boolean wantRunning;
    boolean deleting;
    boolean holding;
    long heldCpuMillis;
    long heldMemoryMiB;
    Launch launch;
    long epoch;

    LocalDesktop(String id) {
      this.id = id;
    }
  }
}
