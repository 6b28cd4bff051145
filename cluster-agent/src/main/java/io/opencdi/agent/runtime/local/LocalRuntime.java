package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.FileOpen;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * usable {@code runsc} it is refused, never run unsandboxed. See ADR 0006. A desktop's application
 * layers are unpacked once per host and composed read-only into its own mount namespace ({@link
 * LayerCache}, ADR 0037).
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
  private static final String UID_FILE = "uid";
  // The manifest digests of the layers a desktop last started with, one a line.
  private static final String LAYERS_FILE = "layers";

  /** Longest time between two looks for unused application layers. */
  private static final Duration LAYER_SWEEP_MAX = Duration.ofMinutes(5);

  /** Shortest time between two looks for unused application layers (a grace of zero). */
  private static final Duration LAYER_SWEEP_MIN = Duration.ofSeconds(1);

  /** A desktop's home inside its own mount namespace (as in the desktop image's pods). */
  static final String DESKTOP_HOME = "/home/desktop";

  /** Where a desktop's namespace holds the agent-made parts: entrypoint copy, VNC socket. */
  private static final String DESKTOP_RUN = "/tmp/.opencdi";

  private static final String VNC_SOCKET = "rfb.sock";

  /** How much of a desktop's log a failure reason reads: its end only, whatever its size. */
  private static final int LOG_TAIL_BYTES = 8 * 1024;

  private static final int PROBE_TIMEOUT_MILLIS = 500;

  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  private final LocalSettings settings;
  private final Gvisor.Probe gvisorProbe;
  private final Gvisor gvisor;
  private final boolean dropPrivileges;
  private final Path desktopsDir;
  // The entrypoint as desktops run it: a copy owned by the agent that every desktop user can read.
  private final Path entrypoint;
  private final List<String> runtimeClasses;
  private final ExecutorService workers;
  // Snapshots are taken and deleted one after another, so a delete never races its copy.
  private final ExecutorService snapshotWorker;
  private final HomeSnapshots homeSnapshots;
  // Application layers: found in the layer store, unpacked once per host (ADR 0037).
  private final LayerCache layers;
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
    this.entrypoint = settings.dataDir().resolve("bin").resolve("entrypoint.sh");
    this.layers =
        new LayerCache(settings.layerStore(), settings.dataDir().resolve("layers"), "umoci");
    prepareDataDir();
    // gVisor checks the path to a home as the desktop's user: it needs a traversable data dir.
    String unreachableDataDir = dropPrivileges ? unreachableByOthers(desktopsDir) : null;
    Gvisor.Probe probe = Gvisor.probe(settings.runsc());
    if (probe.available() && unreachableDataDir != null) {
      probe = new Gvisor.Probe(false, probe.runsc(), unreachableDataDir);
    }
    this.gvisorProbe = probe;
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
    prepareSnapshots();
    recover();
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
                  ? DesktopPrints.dir(desktopsDir.resolve(desktopId))
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
      DesktopWatermark.of(desktopsDir.resolve(desktopId)).show(text);
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
    return gvisor.exec(launch.sandbox(), launch.uid(), launch.uid(), command);
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
    if (!spec.layers().isEmpty()) {
      // Layers are mounted in the desktop's own mount namespace: never launched without them.
      if (runtimeClass.equals("gvisor")) {
        return Admission.refuse(
            "cluster "
                + cluster
                + " cannot run application layers on runtime class gvisor: a gVisor desktop's"
                + " file system is the host's, read-only, and the local runtime does not compose"
                + " layers into it; use runtime class runc");
      }
      if (!dropPrivileges) {
        return Admission.refuse(
            "cluster "
                + cluster
                + " cannot run application layers: they are mounted in a desktop's own mount"
                + " namespace, which needs the agent to run as root (this one runs as uid "
                + HostCommands.uid()
                + ")");
      }
    }
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
                + logTail(launch));
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
            + logTail(launch));
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
      terminate(launch);
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
        d.launch = null;
        displaysInUse.remove(launch.display());
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

  // --- processes

  /**
   * A started desktop: its process group, user, display (and the relay to it), its cgroups and,
   * under gVisor, its sandbox. With namespaces, {@code process} is the {@code unshare} that holds
   * them and its one child the namespace's init (the entrypoint).
   */
  record Launch(
      Process process,
      long pgid,
      int uid,
      boolean namespaces,
      int display,
      DisplayEndpoint endpoint,
      DisplayRelay relay,
      DesktopCgroups cgroups,
      Gvisor.Sandbox sandbox,
      DesktopLog log,
      DesktopHealthWatch health,
      long startedNanos) {

    /** The first process of the desktop's PID namespace (pid as the host sees it), if any. */
    Optional<ProcessHandle> namespaceInit() {
      return namespaces ? process.toHandle().children().findFirst() : Optional.empty();
    }
  }

  /**
   * Sets up a desktop's namespaces as root, then becomes the entrypoint as the desktop's user:
   * private /tmp, /var/tmp and /dev/shm; the home bound at {@value #DESKTOP_HOME} on a /home of its
   * own (its host path may lie under directories its user cannot enter); the agent's copy of the
   * entrypoint and the directory of the VNC socket under {@value #DESKTOP_RUN}; an account named
   * {@code desktop} for its user; a network namespace with only its loopback; and last its
   * application layers composed read-only (and nosuid, nodev) over {@code /usr} and {@code /opt}
   * with the host's files on top (ADR 0037); the agent's policy directory (the watermark, ADR 0040)
   * read-only under {@value #DESKTOP_RUN}; its prints folder (ADR 0043) read-write but noexec
   * there. Arguments: host home, VNC socket directory, entrypoint, uid, init (empty: none), policy
   * directory, prints directory, then for each overlay its target and lower directories.
   *
   * <p>The overlays are made while the layers' cache is still in view and moved over {@code /usr}
   * and {@code /opt} last. Root's own commands are found on a PATH without {@code /usr/local}, and
   * those it runs after the move ({@code mount}, {@code rm}, {@code setpriv}) are resolved before:
   * nothing root runs comes from a layer.
   */
  private static final String NAMESPACE_SETUP =
      """
      set -eu
      home=$1 vnc=$2 entry=$3 uid=$4 init=${5:-} policy=$6 prints=$7
      shift 7
      desktop_path=$PATH
      PATH=/usr/sbin:/usr/bin:/sbin:/bin
      setpriv=$(command -v setpriv) mount=$(command -v mount) rm=$(command -v rm)
      ip link set lo up 2>/dev/null || true
      # Staged on the desktop's own /dev/shm while the host paths are still in view.
      mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
      stage=/dev/shm/.opencdi-stage
      mkdir -m 700 "$stage" "$stage/home" "$stage/vnc" "$stage/policy" "$stage/prints" "$stage/layers"
      mount --bind "$home" "$stage/home"
      mount --bind "$vnc" "$stage/vnc"
      mount --bind "$policy" "$stage/policy"
      mount --bind "$prints" "$stage/prints"
      install -m 755 "$entry" "$stage/entrypoint.sh"
      # Application layers (target, lower directories): composed read-only while the cache is in
      # view, moved into place last.
      while [ $# -ge 2 ]; do
        mkdir "$stage/layers/${1#/}"
        mount -t overlay -o "ro,nosuid,nodev,lowerdir=$2" opencdi-layers "$stage/layers/${1#/}"
        shift 2
      done
      mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
      if [ -d /var/tmp ]; then mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp; fi
      mkdir -m 1777 /tmp/.X11-unix /tmp/.ICE-unix
      mkdir -m 755 /tmp/.opencdi /tmp/.opencdi/vnc
      install -m 755 "$stage/entrypoint.sh" /tmp/.opencdi/entrypoint.sh
      # An account for the desktop's user: programs such as dbus-daemon refuse to run without.
      { grep -v '^desktop:' /etc/passwd; echo "desktop:x:$uid:$uid:desktop:/home/desktop:/bin/bash"; } \
        > /tmp/.opencdi/passwd
      { grep -v '^desktop:' /etc/group; echo "desktop:x:$uid:"; } > /tmp/.opencdi/group
      chmod 644 /tmp/.opencdi/passwd /tmp/.opencdi/group
      mount --bind /tmp/.opencdi/passwd /etc/passwd
      mount --bind /tmp/.opencdi/group /etc/group
      mount --move "$stage/vnc" /tmp/.opencdi/vnc
      # What the agent tells the desktop (its watermark): the agent's to write, the desktop's to read.
      mkdir -m 755 /tmp/.opencdi/policy
      mount --move "$stage/policy" /tmp/.opencdi/policy
      mount -o remount,bind,ro,nosuid,nodev,noexec /tmp/.opencdi/policy
      # Where its printer writes PDFs (ADR 0043): the desktop's to write, never to run.
      mkdir -m 700 /tmp/.opencdi/prints
      mount --move "$stage/prints" /tmp/.opencdi/prints
      mount -o remount,bind,nosuid,nodev,noexec /tmp/.opencdi/prints
      mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /home
      mkdir /home/desktop
      mount --move "$stage/home" /home/desktop
      cd /home/desktop
      # The layers over /usr and /opt, last: from here on root runs only what it resolved before.
      for layer in "$stage"/layers/*; do
        if [ -d "$layer" ]; then "$mount" --move "$layer" "/${layer##*/}"; fi
      done
      "$rm" -rf "$stage"
      PATH=$desktop_path
      # The namespace's PID 1 is an init that reaps the orphans a session leaves (when installed).
      exec "$setpriv" --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
        ${init:+"$init" --} /tmp/.opencdi/entrypoint.sh run
      """;

  /** Joins the cgroups named by the first arguments (count first), then runs the rest. */
  private static final String JOIN_CGROUPS =
      """
      n=$1; shift
      while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 1; shift; n=$((n - 1)); done
      exec "$@"
      """;

  private Launch spawn(LocalDesktop d, DesktopSpec spec) throws IOException {
    // Its layers first: a layer that is missing or cannot be unpacked fails the start before
    // anything of the desktop is made. They are held (no collection removes them) until the
    // desktop references them, in memory and in its directory (for an agent that restarts).
    if (spec.layers().isEmpty()) {
      recordLayers(d, List.of());
      return spawn(d, spec, List.of());
    }
    int known = layers.images().size();
    List<LayerCache.Held> held = layers.acquireAll(spec.layers());
    List<String> digests = held.stream().map(LayerCache.Held::digest).toList();
    try {
      recordLayers(d, digests);
      if (layers.images().size() != known) {
        capacityChanged(); // the cluster's report now names more cached images
      }
      return spawn(
          d,
          spec,
          LayerCache.overlays(held.stream().map(LayerCache.Held::tree).toList(), Path.of("/")));
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
    Path file = desktopsDir.resolve(d.id).resolve(LAYERS_FILE);
    if (now.isEmpty() && !Files.exists(file.getParent(), LinkOption.NOFOLLOW_LINKS)) {
      return; // a new desktop without layers: nothing to remember
    }
    Files.createDirectories(file.getParent());
    Path partial = file.resolveSibling("." + LAYERS_FILE + ".partial");
    Files.writeString(partial, digests.stream().map(x -> x + "\n").reduce("", String::concat));
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The layers a desktop found in its directory last started with, or null when it has no record
   * (an agent without layer collection started it) or the record cannot be read.
   */
  private static Set<String> readLayers(Path dir) {
    Path file = dir.resolve(LAYERS_FILE);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      Set<String> digests = new HashSet<>();
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) {
          continue;
        }
        if (!LayerCache.isDigest(line.strip())) {
          return null;
        }
        digests.add(line.strip());
      }
      return Set.copyOf(digests);
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
  }

  private Launch spawn(LocalDesktop d, DesktopSpec spec, List<LayerCache.Overlay> overlays)
      throws IOException {
    Path dir = desktopsDir.resolve(spec.id());
    Path home = dir.resolve("home");
    if (spec.restoreFrom() != null && !Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
      // A restored desktop's first start: its home begins as a copy of the snapshot.
      homeSnapshots.restore(spec.restoreFrom(), home);
    }
    Files.createDirectories(home);
    setMode(dir, "rwx--x--x");
    int uid = dropPrivileges ? assignUid(d, dir) : HostCommands.uid();
    Path vncDir = dir.resolve("vnc");
    Files.createDirectories(vncDir);
    if (dropPrivileges) {
      // The home and all in it are the desktop user's alone (a restored copy was another's).
      ownTree(home, uid);
      Files.setAttribute(vncDir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(vncDir, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    setMode(home, "rwx------");
    setMode(vncDir, "rwx------");
    DesktopWatermark watermark = DesktopWatermark.create(dir);
    Path prints = DesktopPrints.create(dir, dropPrivileges ? uid : -1);
    Files.deleteIfExists(vncDir.resolve(VNC_SOCKET));
    Files.deleteIfExists(vncDir.resolve(LocalDesktopAudio.SOUND_SOCKET));
    Files.deleteIfExists(vncDir.resolve(LocalDesktopAudio.MICROPHONE_SOCKET));
    DesktopLog log = new DesktopLog(dir.resolve("desktop.log"), settings.hygiene().logMaxBytes());
    boolean gvisorClass = "gvisor".equals(spec.runtimeClass());
    // Namespaces of its own need root; an unprivileged agent's desktops share its user and host.
    boolean namespaces = dropPrivileges && !gvisorClass;
    if (!overlays.isEmpty() && !namespaces) {
      // Admission refuses these; a desktop never runs without the layers it asked for.
      throw new IOException("application layers need the desktop's own mount namespace");
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", namespaces ? DESKTOP_HOME : home.toString());
    env.put("LANG", "C.UTF-8");
    env.put("SHELL", "/bin/bash");
    env.put("OPENCDI_DESKTOP_ID", spec.id());
    env.put(
        "OPENCDI_DESKTOP_NAME",
        spec.name() == null || spec.name().isBlank() ? spec.id() : spec.name());
    env.put("OPENCDI_GEOMETRY", settings.geometry());
    env.put("OPENCDI_SESSION", settings.session());
    env.put("OPENCDI_VNC_SECURITY", "None");
    env.put(
        "OPENCDI_WATERMARK_FILE",
        namespaces
            ? DESKTOP_RUN + "/policy/" + DesktopWatermark.FILE
            : watermark.file().toString());
    env.put(
        "OPENCDI_PRINT_DIR",
        namespaces ? DESKTOP_RUN + "/" + DesktopPrints.DIR : prints.toString());

    List<String> command = new ArrayList<>();
    // A session of its own makes the desktop one process group that a stop can signal whole.
    command.add("setsid");
    int display = -1;
    Gvisor.Sandbox sandbox = null;
    DisplayRelay relay = null;
    DesktopCgroups cgroups = DesktopCgroups.none();
    DisplayEndpoint endpoint;
    if (gvisorClass) {
      sandbox =
          gvisor.create(
              spec.id(),
              dir.resolve("bundle"),
              home,
              entrypoint,
              watermark.dir(),
              prints,
              uid,
              uid,
              env,
              SANDBOX_VNC_PORT);
      command.addAll(sandbox.command());
      endpoint = new DisplayEndpoint(sandbox.sandboxIp(), SANDBOX_VNC_PORT);
    } else {
      display = allocateDisplay();
      env.put("OPENCDI_DISPLAY", Integer.toString(display));
      relay = new DisplayRelay(spec.id(), vncDir.resolve(VNC_SOCKET), uid);
      env.put(
          "OPENCDI_VNC_UNIX_SOCKET",
          namespaces ? DESKTOP_RUN + "/vnc/" + VNC_SOCKET : relay.socketPath().toString());
      // Sound always: the gateway enforces the template's audio policy before any tunnel is asked
      // for (ADR 0044). The sockets sit beside the display's, reached the same way.
      LocalDesktopAudio audio = LocalDesktopAudio.beside(relay.socketPath(), uid);
      env.put(
          "OPENCDI_AUDIO_SOCKET",
          namespaces
              ? DESKTOP_RUN + "/vnc/" + LocalDesktopAudio.SOUND_SOCKET
              : audio.soundSocket().toString());
      env.put(
          "OPENCDI_MIC_SOCKET",
          namespaces
              ? DESKTOP_RUN + "/vnc/" + LocalDesktopAudio.MICROPHONE_SOCKET
              : audio.microphoneSocket().toString());
      endpoint = new DisplayEndpoint("127.0.0.1", relay.port());
      if (namespaces) {
        cgroups =
            DesktopCgroups.create(
                CGROUP_ROOT,
                spec.id(),
                uid,
                settings.desktopPidsMax(),
                spec.memoryMiB(),
                spec.cpuMillis());
        List<Path> procs = cgroups.procs();
        if (!procs.isEmpty()) {
          command.addAll(List.of("/bin/sh", "-c", JOIN_CGROUPS, "opencdi-cgroups"));
          command.add(Integer.toString(procs.size()));
          procs.forEach(c -> command.add(c.toString()));
        }
        command.addAll(
            List.of(
                "unshare",
                "--pid",
                "--fork",
                "--mount-proc",
                "--mount",
                "--propagation",
                "private",
                "--net",
                "--ipc",
                "--",
                "/bin/sh",
                "-c",
                NAMESPACE_SETUP,
                "opencdi-desktop",
                home.toString(),
                vncDir.toString(),
                entrypoint.toString(),
                Integer.toString(uid),
                DesktopInit.path().map(Path::toString).orElse(""),
                watermark.dir().toString(),
                prints.toString()));
        for (LayerCache.Overlay overlay : overlays) {
          command.add(overlay.target());
          command.add(overlay.lowerdir());
        }
      } else {
        // Without a PID namespace the init reaps as a subreaper what the session orphans.
        DesktopInit.path().ifPresent(init -> command.addAll(List.of(init.toString(), "-s", "--")));
        command.add(entrypoint.toString());
        command.add("run");
      }
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
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
      if (relay != null) {
        relay.close();
      }
      cgroups.remove();
      synchronized (lock) {
        displaysInUse.remove(display);
      }
      throw e;
    }
    Launch launch =
        new Launch(
            process,
            process.pid(),
            uid,
            namespaces,
            display,
            endpoint,
            relay,
            cgroups,
            sandbox,
            log,
            new DesktopHealthWatch(settings.hygiene()),
            System.nanoTime());
    log.pump(process.getInputStream(), spec.id());
    writeRunFile(dir, launch);
    LOG.infof(
        "desktop %s starting (%s) as uid %d on %s:%d, pid %d, log %s",
        spec.id(),
        sandbox != null ? "gvisor" : namespaces ? "runc, own namespaces" : "runc",
        uid,
        endpoint.host(),
        endpoint.port(),
        process.pid(),
        log.file());
    return launch;
  }

  /**
   * The desktop's user id: the one it had (kept in {@code <dir>/uid}), else the lowest of the range
   * that no other desktop holds.
   */
  private int assignUid(LocalDesktop d, Path dir) throws IOException {
    synchronized (lock) {
      if (d.uid < 0) {
        d.uid = readUid(dir);
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
    Files.writeString(dir.resolve(UID_FILE), d.uid + "\n");
    return d.uid;
  }

  private static int readUid(Path dir) {
    try {
      return Integer.parseInt(Files.readString(dir.resolve(UID_FILE)).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Gives a tree to a user, never following symbolic links (the links themselves change owner). */
  private static void ownTree(Path root, int uid) throws IOException {
    if (Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(uid)
        && Files.getAttribute(root, "unix:gid", LinkOption.NOFOLLOW_LINKS).equals(uid)) {
      return; // given to it at an earlier start
    }
    try (var files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(uid)
            || !Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS).equals(uid)) {
          Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
  }

  /**
   * Ends a desktop: SIGTERM to its entrypoint (which stops the session, the window manager and
   * Xvnc), then after the grace period SIGKILL to its PID namespace, its process group and every
   * process of its user (which catches a process that left the group with setsid), then the
   * sandbox, the relay and the cgroups.
   */
  private void terminate(Launch launch) {
    Optional<ProcessHandle> init = launch.namespaceInit();
    if (launch.sandbox() != null) {
      gvisor.terminate(launch.sandbox());
    } else if (init.isPresent()) {
      HostCommands.run(5_000, "kill", "-s", "TERM", Long.toString(init.get().pid()));
    } else {
      HostCommands.signalGroup(launch.pgid(), "TERM");
    }
    try {
      launch.process().waitFor(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The end of a PID namespace's init ends every process in it.
    init.ifPresent(ProcessHandle::destroyForcibly);
    HostCommands.signalGroup(launch.pgid(), "KILL");
    if (dropPrivileges && launch.uid() > 0) {
      HostCommands.killUser(launch.uid());
    }
    if (launch.sandbox() != null) {
      gvisor.destroy(launch.sandbox());
    }
    for (int i = 0; i < 40 && !HostCommands.groupMembers(launch.pgid()).isEmpty(); i++) {
      sleep(Duration.ofMillis(50));
    }
    if (launch.relay() != null) {
      launch.relay().close();
    }
    launch.cgroups().remove();
    try {
      Files.deleteIfExists(launch.log().file().resolveSibling(RUN_FILE));
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

  private static String logTail(Launch launch) {
    // The log is written by the desktop's programs: read only its end, however large it grew.
    Path log = launch.log().file();
    try (var channel = Files.newByteChannel(log, StandardOpenOption.READ)) {
      long size = channel.size();
      channel.position(Math.max(0, size - LOG_TAIL_BYTES));
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size, LOG_TAIL_BYTES));
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read to the end
      }
      List<String> lines =
          new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank())
              .toList();
      List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
      String text = String.join(" | ", tail).trim();
      return "log " + log + (text.isEmpty() ? " is empty" : ": " + abbreviate(text));
    } catch (IOException | UncheckedIOException e) {
      return "no log at " + log;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 400 ? text : "…" + text.substring(text.length() - 400);
  }

  // --- the data directory and what an earlier agent left there

  private void prepareDataDir() {
    try {
      if (!Files.exists(settings.dataDir())) {
        // Ours alone: traversable (for gVisor desktops' users), never listable, whatever the umask.
        Files.createDirectories(settings.dataDir());
        setMode(settings.dataDir(), "rwx--x--x");
      }
      Files.createDirectories(desktopsDir);
      setMode(desktopsDir, "rwx--x--x");
      // The desktops' entrypoint is the agent's own copy, readable by every desktop user, which
      // the checkout's (perhaps in a directory no one else may enter) need not be.
      Path bin = entrypoint.getParent();
      Files.createDirectories(bin);
      setMode(bin, "rwxr-xr-x");
      Path partial = bin.resolve(".entrypoint.sh.partial");
      Files.copy(settings.entrypoint(), partial, StandardCopyOption.REPLACE_EXISTING);
      setMode(partial, "rwxr-xr-x");
      Files.move(
          partial, entrypoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      layers.prepare();
    } catch (IOException e) {
      throw new IllegalStateException(
          "opencdi.agent.local.data-dir " + settings.dataDir() + " is not usable: " + e, e);
    }
  }

  private void prepareSnapshots() {
    try {
      homeSnapshots.prepare();
    } catch (IOException e) {
      throw new IllegalStateException(
          "opencdi.agent.local.data-dir " + settings.dataDir() + " is not usable: " + e, e);
    }
  }

  /**
   * Why users other than root cannot reach {@code dir} (an ancestor without the search bit for
   * others), or null. Desktops in namespaces of their own do not need it; gVisor desktops do.
   */
  private static String unreachableByOthers(Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return "the data directory is not reachable by desktop users ("
              + p
              + " has mode "
              + PosixFilePermissions.toString(perms)
              + "; gVisor desktops need every ancestor traversable, e.g. /var/lib/opencdi/local)";
        }
      } catch (IOException e) {
        return "cannot read the mode of " + p + ": " + e.getMessage();
      }
    }
    return null;
  }

  private void recover() {
    List<Path> dirs;
    // A desktop without a record of its layers keeps every layer there is now (conservatively).
    Set<String> unpacked;
    try (var list = Files.list(desktopsDir)) {
      dirs = list.filter(Files::isDirectory).toList();
      unpacked = Set.copyOf(layers.digests());
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
        d.uid = dropPrivileges ? readUid(dir) : -1;
        Set<String> recorded = readLayers(dir);
        d.layerDigests = recorded != null ? recorded : unpacked;
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
    int uid = Integer.parseInt(run.getProperty("uid", "-1"));
    if (dropPrivileges && uid >= settings.desktopUidBase() && uid == readUid(dir)) {
      // Its own user's processes are the desktop's, wherever they went (setsid, daemons).
      HostCommands.killUser(uid);
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
    run.setProperty("uid", Integer.toString(launch.uid()));
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
    int uid = -1; // its own user id when the agent is root, assigned at its first start
    // The manifest digests of the layers it last started with: kept while it exists.
    Set<String> layerDigests = Set.of();
    DesktopHealthWatch.Judgement health = DesktopHealthWatch.Judgement.OK;
    // When its session was restarted (epoch millis), within the restart window; and why last.
    final ArrayDeque<Long> restarts = new ArrayDeque<>();
    String lastRestart;
    int restartsInRow;
    long lastRestartNanos;

    LocalDesktop(String id) {
      this.id = id;
    }
  }
}
