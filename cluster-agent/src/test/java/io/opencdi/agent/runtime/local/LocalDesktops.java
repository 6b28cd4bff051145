package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Real local desktops for tests: a runtime of one host cluster named {@code local} with the
 * repository's entrypoint, Openbox at 1024×768 and test uids, and plain desktops to start on it.
 */
final class LocalDesktops {
  private LocalDesktops() {}

  /**
   * A runtime keeping its desktops under {@code dataDir}, finding layers in {@code layerStore}
   * (null: the default), telling {@code statuses} of every desktop's state.
   */
  static LocalRuntime runtime(
      Path dataDir, Path layerStore, Duration startTimeout, Statuses statuses) {
    return runtime(dataDir, layerStore, startTimeout, statuses, LocalSettings.DEFAULT_LAYER_GRACE);
  }

  /** As above, unused layers being removed after {@code layerGrace}. */
  static LocalRuntime runtime(
      Path dataDir,
      Path layerStore,
      Duration startTimeout,
      Statuses statuses,
      Duration layerGrace) {
    LocalSettings settings =
        new LocalSettings(
            "local",
            "local",
            "local-a",
            LocalSettings.hostNodeName(),
            LocalSettings.hostArch(),
            Runtime.getRuntime().availableProcessors() * 1000L,
            LocalSettings.hostMemoryMiB(),
            8,
            List.of("local-home"),
            dataDir,
            LocalSettings.resolveEntrypoint(null, Path.of("")),
            "runsc",
            LocalRuntimeTest.TEST_UID_BASE,
            100,
            2048,
            "1024x768",
            "openbox",
            80,
            startTimeout,
            Duration.ofSeconds(3),
            LocalSettings.Hygiene.DEFAULTS,
            layerStore,
            layerGrace);
    LocalRuntime runtime = new LocalRuntime(settings);
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }
        });
    return runtime;
  }

  /** A plain Openbox desktop of alice's, 0.5 CPU and 512 MiB, powered on. */
  static DesktopSpec spec(String id) {
    return spec(id, "runc");
  }

  /**
   * As {@link #spec(String)}, isolated by {@code runtimeClass} ({@code runc} or {@code gvisor}).
   */
  static DesktopSpec spec(String id, String runtimeClass) {
    return new DesktopSpec(
        id,
        "desktop " + id,
        "alice",
        "local",
        LocalSettings.hostNodeName(),
        "opencdi/desktop-openbox:0.1",
        500,
        512,
        runtimeClass,
        "local-home",
        1,
        Power.ON);
  }
}
