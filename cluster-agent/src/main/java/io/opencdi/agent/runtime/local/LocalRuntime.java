package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.SnapshotSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Real desktops as processes on the agent's host: one cluster with one node, each desktop the
 * desktop image's own {@code entrypoint.sh} (Xvnc, window manager, session) in a process group of
 * its own, with its own display, VNC port and home directory under the data directory. A desktop
 * whose runtime class is {@code gvisor} runs inside a gVisor sandbox ({@link Gvisor}); without a
 * usable {@code runsc} it is refused, never run unsandboxed. See ADR 0006. A desktop's application
 * layers are unpacked once per host and composed read-only into its own mount namespace ({@link
 * LayerCache}, ADR 0037).
 *
 * <p>State transitions are guarded by one lock; blocking work (spawning, waiting for the RFB
 * banner, stopping, deleting) runs on virtual threads, serialised per desktop by its own lock.
 * Homes survive power off and agent restarts: after a restart every home is reported {@code
 * STOPPED} and the gateway's {@code Welcome} powers on what should run.
 *
 * <p>This class holds that lock and the desktops' state machine, and orchestrates the parts that
 * need neither: {@link LocalAdmission} (what is refused, and why), {@link DesktopLauncher} (a
 * desktop's processes started and ended), {@link DesktopRecovery} (what an earlier agent left),
 * {@link LocalDataDir} (the data directory and a desktop's files in it), {@link LocalSnapshots},
 * {@link LiveUsage} and {@link DesktopHygiene} (health checks, restarts, unused layers).
 */
public final class LocalRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "local";

  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  private static final int PROBE_TIMEOUT_MILLIS = 500;

  /** Longest time between two looks for unused application layers. */
  private static final Duration LAYER_SWEEP_MAX = Duration.ofMinutes(5);

  /** Shortest time between two looks for unused application layers (a grace of zero). */
  private static final Duration LAYER_SWEEP_MIN = Duration.ofSeconds(1);

  private final LocalSettings settings;
  private final boolean dropPrivileges;
  private final LocalDataDir dataDir;
  private final List<String> runtimeClasses;
  private final LocalAdmission admission;
  private final DesktopLauncher launcher;
  private final ExecutorService workers;
  private final LocalSnapshots snapshots;
  private final LiveUsage liveUsage;
  // Application layers: found in the layer store, unpacked once per host (ADR 0037).
  private final LayerCache layers;
  private final RuntimeListeners listeners = new RuntimeListeners(LOG);

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, LocalDesktop> desktops = new HashMap<>();
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
    this.dataDir = new LocalDataDir(settings.dataDir());
    this.layers =
        new LayerCache(settings.layerStore(), settings.dataDir().resolve("layers"), "umoci");
    prepareDataDir();
    // gVisor checks the path to a home as the desktop's user: it needs a traversable data dir.
    String unreachableDataDir = dropPrivileges ? dataDir.unreachableByOthers() : null;
    Gvisor.Probe probe = Gvisor.probe(settings.runsc());
    if (probe.available() && unreachableDataDir != null) {
      probe = new Gvisor.Probe(false, probe.runsc(), unreachableDataDir);
    }
    Gvisor gvisor =
        probe.available() ? new Gvisor(probe.runsc(), settings.dataDir().resolve("runsc")) : null;
    this.runtimeClasses = gvisor != null ? List.of("runc", "gvisor") : List.of("runc");
    this.admission = new LocalAdmission(settings, runtimeClasses, probe, dropPrivileges);
    this.workers =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-local-", 0).factory());
    HomeSnapshots homeSnapshots = new HomeSnapshots(settings.dataDir().resolve("snapshots"));
    this.launcher = new DesktopLauncher(settings, dataDir, gvisor, homeSnapshots, dropPrivileges);
    this.snapshots = new LocalSnapshots(settings, dataDir, homeSnapshots, listeners);
    this.liveUsage = new LiveUsage(settings);
    snapshots.prepare();
    for (LocalDesktop d :
        new DesktopRecovery(settings, dataDir, gvisor, dropPrivileges).recover(layers)) {
      synchronized (lock) {
        desktops.put(d.id, d);
        transition(d, DesktopState.STOPPED, null);
      }
    }
    workers.execute(this::watchHealth);
    workers.execute(this::sweepLayers);
    LOG.infof(
        "local cluster %s: node %s (%s, %dm CPU, %d MiB), runtime classes %s%s, entrypoint %s,"
            + " data in %s, %d desktops found",
        settings.clusterName(),
        settings.nodeName(),
        settings.arch(),
        settings.cpuMillis(),
        settings.memoryMiB(),
        runtimeClasses,
        gvisor == null ? " (gvisor: " + probe.reason() + ")" : "",
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

  /**
   * The home of a desktop that runs here, its files read and written as the desktop's user (the
   * agent's own when it is not root, as its desktops then are).
   */
  @Override
  public Optional<DesktopFiles> files(String cluster, String desktopId) {
    return files(cluster, desktopId, FileOpen.Folder.HOME);
  }

  /** Its home, or its prints folder (ADR 0043), as the desktop's user. */
  @Override
  public Optional<DesktopFiles> files(String cluster, String desktopId, FileOpen.Folder folder) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null
          || !settings.clusterName().equals(cluster)
          || d.state != DesktopState.RUNNING
          || d.launch == null) {
        return Optional.empty();
      }
      return Optional.of(
          new LocalDesktopFiles(
              folder == FileOpen.Folder.PRINTS
                  ? DesktopPrints.dir(dataDir.dir(desktopId))
                  : home(desktopId),
              dropPrivileges ? d.launch.uid() : -1,
              LocalDesktopFiles.STALL));
    }
  }

  /**
   * Its sound through the sockets beside its display's (ADR 0044). gVisor desktops have none: a
   * Unix socket made inside the sandbox lives in gVisor's own kernel, and a host process cannot
   * connect to it (the sandbox's display is reached over its network namespace instead).
   */
  @Override
  public Optional<DesktopAudio> audio(String cluster, String desktopId) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null
          || !settings.clusterName().equals(cluster)
          || d.state != DesktopState.RUNNING
          || d.launch == null
          || d.launch.relay() == null) {
        return Optional.empty();
      }
      return Optional.of(LocalDesktopAudio.beside(d.launch.relay().socketPath(), d.launch.uid()));
    }
  }

  @Override
  public void watermark(String cluster, String desktopId, String text) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null || !settings.clusterName().equals(cluster) || d.launch == null) {
        return;
      }
    }
    try {
      DesktopWatermark.of(dataDir.dir(desktopId)).show(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set the watermark of desktop " + desktopId, e);
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
    if (spec.restoreFrom() != null
        && !Files.exists(home(spec.id()), LinkOption.NOFOLLOW_LINKS)
        && (!LocalAdmission.isSafeId(spec.restoreFrom())
            || !snapshots.exists(spec.restoreFrom()))) {
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
        this.admission.admitCommon(
            spec == null ? null : spec.cluster(), spec == null ? null : spec.id());
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
    Admission admission = this.admission.admitCommon(cluster, desktopId);
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
    Admission admission = this.admission.admitSnapshot(spec);
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
      snapshots.take(spec);
      return Admission.accept();
    }
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    Admission admission = this.admission.admitSnapshotDelete(cluster, snapshotId);
    if (admission.accepted()) {
      snapshots.delete(cluster, snapshotId);
    }
    return admission;
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
      stoppers.add(Thread.ofVirtual().start(() -> launcher.terminate(launch)));
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
    snapshots.close();
  }

  /**
   * Real figures from {@code /proc} ({@link LiveUsage}) for the desktops that run here and, for the
   * node list, the host.
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
    return liveUsage.measure(query, groups, running);
  }

  // --- for tests and diagnostics in this package

  /** The running launch of a desktop, if any. */
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
    return launcher.execInSandbox(launch, command);
  }

  /** The home directory of a desktop (it may not exist). */
  public Path home(String desktopId) {
    return dataDir.home(desktopId);
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
        launch = spawn(d, spec);
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
                + DesktopLauncher.logTail(launch));
        return;
      }
      sleep(Duration.ofMillis(50));
    }
  }

  /** The desktop's processes ended without being asked to. */
  private void exited(LocalDesktop d, Launch launch) {
    boolean restart;
    synchronized (lock) {
      if (d.launch != launch) {
        return; // a stop or delete ended it
      }
      // A session that ran is restarted; one that never came up is FAILED (its cause is not
      // passing).
      restart = d.state == DesktopState.RUNNING && d.wantRunning && !d.deleting;
    }
    if (restart) {
      restartAfterExit(d, launch, "session exited with code " + launch.process().exitValue());
      return;
    }
    // Its last words are in the log once the pipe is drained.
    launch.log().awaitDrained(2_000);
    fail(
        d,
        launch,
        "the desktop's processes exited with code "
            + launch.process().exitValue()
            + "; "
            + DesktopLauncher.logTail(launch));
  }

  private void fail(LocalDesktop d, Launch launch, String reason) {
    endLaunch(
        d,
        launch,
        () -> {
          release(d);
          if (d.state == DesktopState.STARTING || d.state == DesktopState.RUNNING) {
            LOG.warnf("desktop %s failed: %s", d.id, reason);
            transition(d, DesktopState.FAILED, reason);
          }
        });
  }

  /**
   * Ends {@code launch}'s processes and forgets it, then runs {@code then} under {@link #lock};
   * does nothing when the desktop moved on to another launch meanwhile (a stop, a new start).
   */
  private void endLaunch(LocalDesktop d, Launch launch, Runnable then) {
    d.ops.lock();
    try {
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
      }
      launcher.terminate(launch);
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
        d.launch = null;
        launcher.releaseDisplay(launch.display());
        then.run();
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
        launcher.terminate(launch);
      }
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          launcher.releaseDisplay(launch.display());
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
        launcher.terminate(launch);
      }
      String problem = null;
      try {
        LocalDataDir.deleteTree(dataDir.dir(d.id));
      } catch (IOException | UncheckedIOException e) {
        problem = "could not delete the home directory: " + e.getMessage();
      }
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          launcher.releaseDisplay(launch.display());
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
        if (!d.layerDigests.isEmpty()) {
          // Its layers' grace period starts now; they go after it unless another desktop uses them.
          layers.touch(d.layerDigests);
          workers.execute(this::collectLayersAfterGrace);
        }
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
    if (state == DesktopState.STOPPED || state == DesktopState.DELETED) {
      // Powered off or gone: a next start is a fresh session.
      d.health = DesktopHealthWatch.Judgement.OK;
      d.restarts.clear();
      d.restartsInRow = 0;
    }
    report(d, reason);
  }

  private void report(LocalDesktop d, String reason) {
    d.last =
        new DesktopStatus(
            d.id,
            settings.clusterName(),
            settings.nodeName(),
            d.state,
            reason,
            System.currentTimeMillis(),
            d.health.health(),
            d.health.reason());
    emit(d.last);
  }

  // --- long-run hygiene: unused application layers

  /** Looks for unused application layers every few minutes until the runtime closes. */
  private void sweepLayers() {
    Duration every = settings.layerGrace();
    if (every.compareTo(LAYER_SWEEP_MAX) > 0) {
      every = LAYER_SWEEP_MAX;
    } else if (every.compareTo(LAYER_SWEEP_MIN) < 0) {
      every = LAYER_SWEEP_MIN;
    }
    while (!Thread.currentThread().isInterrupted()) {
      sleep(every);
      if (!Thread.currentThread().isInterrupted()) {
        collectLayers();
      }
    }
  }

  /** Collects once a deleted desktop's layers have been unused for the grace period. */
  private void collectLayersAfterGrace() {
    sleep(settings.layerGrace());
    if (!Thread.currentThread().isInterrupted()) {
      collectLayers();
    }
  }

  /**
   * Removes the unpacked layers that no desktop known here references (running or stopped) and that
   * none has used for {@code opencdi.agent.local.layer-grace}; returns their digests.
   */
  List<String> collectLayers() {
    try {
      List<String> removed = layers.collect(settings.layerGrace(), this::layersInUse);
      if (!removed.isEmpty()) {
        capacityChanged(); // the cluster's report names fewer cached images
      }
      return removed;
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("could not remove unused application layers: %s", e.toString());
      return List.of();
    }
  }

  /** The digests of the layers the desktops known here reference. */
  private Set<String> layersInUse() {
    synchronized (lock) {
      Set<String> used = new HashSet<>();
      for (LocalDesktop d : desktops.values()) {
        used.addAll(d.layerDigests);
      }
      return used;
    }
  }

  // --- long-run hygiene: health checks and restarts

  /** Checks every running desktop's health each interval until the runtime closes. */
  private void watchHealth() {
    while (!Thread.currentThread().isInterrupted()) {
      sleep(settings.hygiene().healthInterval());
      List<LocalDesktop> running;
      synchronized (lock) {
        running =
            desktops.values().stream()
                .filter(d -> d.state == DesktopState.RUNNING && d.launch != null)
                .toList();
      }
      for (LocalDesktop d : running) {
        try {
          checkHealth(d);
        } catch (RuntimeException e) {
          LOG.warnf(e, "desktop %s: health check failed", d.id);
        }
      }
    }
  }

  private void checkHealth(LocalDesktop d) {
    Launch launch;
    int restarts;
    String lastRestart;
    long now = System.currentTimeMillis();
    synchronized (lock) {
      launch = d.launch;
      long since = now - settings.hygiene().restartWindow().toMillis();
      while (!d.restarts.isEmpty() && d.restarts.peekFirst() < since) {
        d.restarts.pollFirst();
      }
      restarts = d.restarts.size();
      lastRestart = d.lastRestart;
    }
    if (launch == null) {
      return;
    }
    DesktopHealthWatch.Judgement j =
        launch
            .health()
            .check(launch.cgroups().usage(), launch.log().written(), restarts, lastRestart, now);
    synchronized (lock) {
      if (d.launch == launch && d.state == DesktopState.RUNNING && !j.equals(d.health)) {
        if (j.health() != d.health.health()) {
          LOG.infof(
              "desktop %s is %s%s", d.id, j.health(), j.reason() == null ? "" : ": " + j.reason());
        }
        d.health = j;
        report(d, d.last == null ? null : d.last.reason());
      }
    }
  }

  /**
   * A running desktop's session ended on its own while it should run: its processes are ended and
   * it starts again, with its home, after a wait that doubles with each restart in a row.
   */
  private void restartAfterExit(LocalDesktop d, Launch launch, String why) {
    endLaunch(
        d,
        launch,
        () -> {
          LocalSettings.Hygiene h = settings.hygiene();
          long now = System.nanoTime();
          if (d.restartsInRow > 0 && now - d.lastRestartNanos > h.restartBackoffMax().toNanos()) {
            d.restartsInRow = 0; // it ran long enough: a new series
          }
          Duration wait = h.restartBackoff().multipliedBy(1L << Math.min(d.restartsInRow, 20));
          if (wait.compareTo(h.restartBackoffMax()) > 0) {
            wait = h.restartBackoffMax();
          }
          d.restartsInRow++;
          d.lastRestartNanos = now + wait.toNanos();
          d.restarts.addLast(System.currentTimeMillis());
          d.lastRestart = why;
          int count = d.restarts.size();
          d.health =
              new DesktopHealthWatch.Judgement(
                  DesktopHealth.DEGRADED,
                  "session restarted "
                      + count
                      + (count == 1 ? " time" : " times")
                      + " in the last "
                      + h.restartWindow().toMinutes()
                      + " min (last: "
                      + why
                      + ")");
          LOG.warnf("desktop %s: %s; restarting it in %d ms", d.id, why, wait.toMillis());
          // Still holding its capacity: it is starting again, not stopped.
          transition(
              d,
              DesktopState.STARTING,
              why + "; restart " + count + " in " + wait.toMillis() + " ms");
          long epoch = ++d.epoch;
          Duration delay = wait;
          workers.execute(
              () -> {
                sleep(delay);
                launch(d, epoch);
              });
        });
  }

  private Launch spawn(LocalDesktop d, DesktopSpec spec) throws IOException {
    // Its layers first: a layer that is missing or cannot be unpacked fails the start before
    // anything of the desktop is made. They are held (no collection removes them) until the
    // desktop references them, in memory and in its directory (for an agent that restarts).
    if (spec.layers().isEmpty()) {
      recordLayers(d, List.of());
      return launcher.spawn(spec, List.of(), dir -> assignUid(d, dir));
    }
    int known = layers.images().size();
    List<LayerCache.Held> held = layers.acquireAll(spec.layers());
    List<String> digests = held.stream().map(LayerCache.Held::digest).toList();
    try {
      recordLayers(d, digests);
      if (layers.images().size() != known) {
        capacityChanged(); // the cluster's report now names more cached images
      }
      return launcher.spawn(
          spec,
          LayerCache.overlays(held.stream().map(LayerCache.Held::tree).toList(), Path.of("/")),
          dir -> assignUid(d, dir));
    } finally {
      layers.release(digests);
    }
  }

  /**
   * Records the layers a desktop starts with: it references them (and no longer those of its last
   * start) until it starts with others or is deleted, whether it runs or not.
   */
  private void recordLayers(LocalDesktop d, List<String> digests) throws IOException {
    Set<String> now = Set.copyOf(digests);
    Set<String> before;
    synchronized (lock) {
      before = d.layerDigests;
      d.layerDigests = now;
    }
    Set<String> released = new HashSet<>(before);
    released.removeAll(now);
    layers.touch(released);
    dataDir.writeLayers(d.id, digests);
  }

  /**
   * The desktop's user id: the one it had (kept in {@code <dir>/uid}), else the lowest of the range
   * that no other desktop holds.
   */
  private int assignUid(LocalDesktop d, Path dir) throws IOException {
    synchronized (lock) {
      if (d.uid < 0) {
        d.uid = LocalDataDir.readUid(dir);
      }
      if (d.uid < 0) {
        Set<Integer> taken = new HashSet<>();
        desktops.values().forEach(o -> taken.add(o.uid));
        for (int u = settings.desktopUidBase();
            u < settings.desktopUidBase() + settings.desktopUidCount();
            u++) {
          if (!taken.contains(u)) {
            d.uid = u;
            break;
          }
        }
        if (d.uid < 0) {
          throw new IOException(
              "no free user id left in opencdi.agent.local.desktop-uid-base/-count ("
                  + settings.desktopUidCount()
                  + " desktops exist)");
        }
      }
    }
    LocalDataDir.writeUid(dir, d.uid);
    return d.uid;
  }

  private void prepareDataDir() {
    try {
      dataDir.prepare(settings.entrypoint());
      layers.prepare();
    } catch (IOException e) {
      throw new IllegalStateException(
          "opencdi.agent.local.data-dir " + settings.dataDir() + " is not usable: " + e, e);
    }
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
        layers.images(),
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
    listeners.statusChanged(status);
  }

  private void capacityChanged() {
    listeners.capacityChanged(settings.clusterName());
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
