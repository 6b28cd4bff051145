package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
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
import java.util.List;
import java.util.Optional;
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
 * <p>Homes survive power off and agent restarts: after a restart every home is reported {@code
 * STOPPED} and the gateway's {@code Welcome} powers on what should run.
 *
 * <p>This class puts the parts together and answers the gateway: {@link LocalAdmission} decides
 * what is refused and says why; {@link DesktopLifecycle} holds the desktops, their one lock and
 * their power states; {@link DesktopLauncher} starts and ends a desktop's processes; {@link
 * DesktopRecovery} finds what an earlier agent left; {@link LocalDataDir} lays out the data
 * directory; {@link DesktopLayers}, {@link LocalSnapshots} and {@link LiveUsage} do the layers, the
 * snapshots and the live figures.
 */
public final class LocalRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "local";

  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  private final LocalSettings settings;
  private final boolean dropPrivileges;
  private final LocalDataDir dataDir;
  private final List<String> runtimeClasses;
  private final LocalAdmission admission;
  private final DesktopLauncher launcher;
  private final DesktopLifecycle desktops;
  private final LocalSnapshots snapshots;
  private final LiveUsage liveUsage;
  // Application layers: found in the layer store, unpacked once per host (ADR 0037).
  private final LayerCache layers;
  private final RuntimeListeners listeners = new RuntimeListeners(LOG);

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
    HomeSnapshots homeSnapshots = new HomeSnapshots(settings.dataDir().resolve("snapshots"));
    this.launcher = new DesktopLauncher(settings, dataDir, gvisor, homeSnapshots, dropPrivileges);
    this.desktops = new DesktopLifecycle(settings, launcher, dataDir, layers, listeners);
    this.snapshots = new LocalSnapshots(settings, dataDir, homeSnapshots, listeners);
    this.liveUsage = new LiveUsage(settings);
    snapshots.prepare();
    desktops.adopt(new DesktopRecovery(settings, dataDir, gvisor, dropPrivileges).recover(layers));
    desktops.watch();
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
    return desktops.inventory();
  }

  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    return running(cluster, desktopId).map(Launch::endpoint);
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
    return running(cluster, desktopId)
        .map(
            launch ->
                new LocalDesktopFiles(
                    folder == FileOpen.Folder.PRINTS
                        ? DesktopPrints.dir(dataDir.dir(desktopId))
                        : home(desktopId),
                    dropPrivileges ? launch.uid() : -1,
                    LocalDesktopFiles.STALL));
  }

  /**
   * Its sound through the sockets beside its display's (ADR 0044); a gVisor desktop's on its
   * sandbox's address, as its display is ({@link TcpDesktopAudio}).
   */
  @Override
  public Optional<DesktopAudio> audio(String cluster, String desktopId) {
    return running(cluster, desktopId)
        .flatMap(
            launch ->
                launch.sandbox() != null
                    ? Optional.of(TcpDesktopAudio.at(launch.sandbox().sandboxIp()))
                    : Optional.ofNullable(launch.relay())
                        .map(relay -> LocalDesktopAudio.beside(relay.socketPath(), launch.uid())));
  }

  @Override
  public void watermark(String cluster, String desktopId, String text) {
    if (!settings.clusterName().equals(cluster) || desktops.launch(desktopId).isEmpty()) {
      return;
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
    return desktops.start(spec);
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    Admission admission =
        this.admission.admitCommon(
            spec == null ? null : spec.cluster(), spec == null ? null : spec.id());
    return admission.accepted() ? desktops.stop(spec) : admission;
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    Admission admission = this.admission.admitCommon(cluster, desktopId);
    return admission.accepted() ? desktops.delete(desktopId) : admission;
  }

  @Override
  public Admission snapshot(SnapshotSpec spec) {
    Admission admission = this.admission.admitSnapshot(spec);
    return admission.accepted() ? desktops.snapshot(spec, () -> snapshots.take(spec)) : admission;
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
    desktops.close();
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
    DesktopLifecycle.Running running = desktops.runningGroups(query.desktopIds());
    return liveUsage.measure(query, running.groups(), running.count());
  }

  // --- for tests and diagnostics in this package

  /** The launch of a desktop, if any. */
  Optional<Launch> launch(String desktopId) {
    return desktops.launch(desktopId);
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

  /** See {@link DesktopLayers#collect}. */
  List<String> collectLayers() {
    return desktops.collectLayers();
  }

  private Optional<Launch> running(String cluster, String desktopId) {
    return settings.clusterName().equals(cluster) ? desktops.running(desktopId) : Optional.empty();
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
}
