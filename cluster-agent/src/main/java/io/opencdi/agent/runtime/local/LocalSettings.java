package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The resolved settings of the local runtime: configuration with the host's facts filled in.
 *
 * @param clusterName the one cluster
 * @param region region label
 * @param zone zone label
 * @param nodeName the one node
 * @param arch the host's CPU architecture ({@code amd64}, {@code arm64})
 * @param cpuMillis allocatable CPU of the node
 * @param memoryMiB allocatable memory of the node
 * @param maxDesktops desktops the node may run at once
 * @param storageClasses storage classes offered for homes
 * @param dataDir where homes and logs live
 * @param entrypoint the desktop image's entrypoint script
 * @param runsc gVisor's runsc, a path or a command name
 * @param desktopUidBase first user id of the range desktops run as when the agent is root
 * @param desktopUidCount how many user ids the range holds
 * @param desktopPidsMax most processes one desktop may run at once
 * @param geometry screen size
 * @param session openbox, xfce or auto
 * @param displayBase first display number for desktops on the host
 * @param startTimeout launch to RFB banner, at most
 * @param stopGrace SIGTERM to SIGKILL
 * @param hygiene log cap, health checks and restarts of each desktop
 * @param layerStore directory of OCI image layouts where application layers are found; null means
 *     {@code <data-dir>/layer-store}
 * @param layerGrace how long an unpacked application layer no desktop references stays on the host
 *     before it is removed
 */
public record LocalSettings(
    String clusterName,
    String region,
    String zone,
    String nodeName,
    String arch,
    long cpuMillis,
    long memoryMiB,
    int maxDesktops,
    List<String> storageClasses,
    Path dataDir,
    Path entrypoint,
    String runsc,
    int desktopUidBase,
    int desktopUidCount,
    int desktopPidsMax,
    String geometry,
    String session,
    int displayBase,
    Duration startTimeout,
    Duration stopGrace,
    Hygiene hygiene,
    Path layerStore,
    Duration layerGrace) {

  static final String DEFAULT_ENTRYPOINT = "images/desktop/entrypoint.sh";

  /** The layer store's directory under the data directory when none is configured. */
  static final String DEFAULT_LAYER_STORE = "layer-store";

  /** The default of {@link LocalConfig#layerGrace}. */
  static final Duration DEFAULT_LAYER_GRACE = Duration.ofHours(1);

  public LocalSettings {
    storageClasses = List.copyOf(storageClasses);
    dataDir = dataDir.toAbsolutePath().normalize();
    layerStore =
        layerStore == null
            ? dataDir.resolve(DEFAULT_LAYER_STORE)
            : layerStore.toAbsolutePath().normalize();
    if (!geometry.matches("\\d{3,5}x\\d{3,5}")) {
      throw new IllegalArgumentException(
          "opencdi.agent.local.geometry must be WIDTHxHEIGHT, was " + geometry);
    }
    if (!List.of("openbox", "xfce", "auto").contains(session)) {
      throw new IllegalArgumentException(
          "opencdi.agent.local.session must be openbox, xfce or auto, was " + session);
    }
    if (desktopUidBase < 1000
        || desktopUidCount < 1
        || desktopUidBase + (long) desktopUidCount > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "opencdi.agent.local.desktop-uid-base must be 1000 or more (never root or a system"
              + " account) and desktop-uid-count positive, were "
              + desktopUidBase
              + " and "
              + desktopUidCount);
    }
    if (layerGrace == null) {
      layerGrace = DEFAULT_LAYER_GRACE;
    } else if (layerGrace.isNegative()) {
      throw new IllegalArgumentException(
          "opencdi.agent.local.layer-grace must not be negative, was " + layerGrace);
    }
    if (desktopPidsMax < 64) {
      throw new IllegalArgumentException(
          "opencdi.agent.local.desktop-pids-max must be at least 64, was " + desktopPidsMax);
    }
  }

  /** Settings whose layer store is {@code <data-dir>/layer-store}. */
  public LocalSettings(
      String clusterName,
      String region,
      String zone,
      String nodeName,
      String arch,
      long cpuMillis,
      long memoryMiB,
      int maxDesktops,
      List<String> storageClasses,
      Path dataDir,
      Path entrypoint,
      String runsc,
      int desktopUidBase,
      int desktopUidCount,
      int desktopPidsMax,
      String geometry,
      String session,
      int displayBase,
      Duration startTimeout,
      Duration stopGrace,
      Hygiene hygiene) {
    this(
        clusterName,
        region,
        zone,
        nodeName,
        arch,
        cpuMillis,
        memoryMiB,
        maxDesktops,
        storageClasses,
        dataDir,
        entrypoint,
        runsc,
        desktopUidBase,
        desktopUidCount,
        desktopPidsMax,
        geometry,
        session,
        displayBase,
        startTimeout,
        stopGrace,
        hygiene,
        null,
        null);
  }

  /**
   * The configured settings with the host's defaults.
   *
   * @throws IllegalStateException when the entrypoint script cannot be found
   */
  public static LocalSettings from(LocalConfig config) {
    String region = config.region();
    return new LocalSettings(
        config.clusterName(),
        region,
        config.zone().orElse(region + "-a"),
        config.nodeName().orElseGet(LocalSettings::hostNodeName),
        hostArch(),
        config.cpuMillis().orElse(Runtime.getRuntime().availableProcessors() * 1000L),
        config.memoryMiB().orElseGet(LocalSettings::hostMemoryMiB),
        config.maxDesktops(),
        config.storageClasses(),
        config.dataDir(),
        resolveEntrypoint(config.entrypoint().orElse(null), Path.of("").toAbsolutePath()),
        config.runsc(),
        config.desktopUidBase(),
        config.desktopUidCount(),
        config.desktopPidsMax(),
        config.geometry(),
        config.session(),
        config.displayBase(),
        config.startTimeout(),
        config.stopGrace(),
        Hygiene.from(config.hygiene()),
        config.layerStore().orElse(null),
        config.layerGrace());
  }

  /**
   * Long-run upkeep of each desktop (see {@link LocalConfig.Hygiene}).
   *
   * @param logMaxBytes most bytes desktop.log and desktop.log.1 hold together
   * @param logBytesPerMinute log rate above which a desktop is DEGRADED
   * @param healthInterval how often running desktops are checked
   * @param restartBackoff first wait before restarting a session that died
   * @param restartBackoffMax longest wait between restarts
   * @param restartWindow how long a restart keeps the desktop DEGRADED
   * @param prints how many PDFs each desktop's prints folder keeps
   */
  public record Hygiene(
      long logMaxBytes,
      long logBytesPerMinute,
      Duration healthInterval,
      Duration restartBackoff,
      Duration restartBackoffMax,
      Duration restartWindow,
      PrintRetention prints) {

    /** The defaults of {@link LocalConfig.Hygiene}. */
    public static final Hygiene DEFAULTS =
        new Hygiene(
            8L << 20,
            1L << 20,
            Duration.ofSeconds(5),
            Duration.ofSeconds(1),
            Duration.ofMinutes(1),
            Duration.ofHours(1),
            PrintRetention.DEFAULTS);

    public Hygiene {
      if (logMaxBytes < 64 * 1024) {
        throw new IllegalArgumentException(
            "opencdi.agent.local.hygiene.log-max-bytes must be at least 65536, was " + logMaxBytes);
      }
      if (healthInterval.isNegative()
          || healthInterval.isZero()
          || restartBackoff.isNegative()
          || restartBackoffMax.compareTo(restartBackoff) < 0) {
        throw new IllegalArgumentException(
            "opencdi.agent.local.hygiene: health-interval must be positive and"
                + " restart-backoff-max at least restart-backoff");
      }
    }

    static Hygiene from(LocalConfig.Hygiene c) {
      return new Hygiene(
          c.logMaxBytes(),
          c.logBytesPerMinute(),
          c.healthInterval(),
          c.restartBackoff(),
          c.restartBackoffMax(),
          c.restartWindow(),
          new PrintRetention(c.printsMaxCount(), c.printsMaxBytes()));
    }
  }

  /** These settings with another {@link #layerGrace}. */
  public LocalSettings withLayerGrace(Duration grace) {
    return new LocalSettings(
        clusterName,
        region,
        zone,
        nodeName,
        arch,
        cpuMillis,
        memoryMiB,
        maxDesktops,
        storageClasses,
        dataDir,
        entrypoint,
        runsc,
        desktopUidBase,
        desktopUidCount,
        desktopPidsMax,
        geometry,
        session,
        displayBase,
        startTimeout,
        stopGrace,
        hygiene,
        layerStore,
        grace);
  }

  /** Width of the screen in pixels. */
  public int width() {
    return Integer.parseInt(geometry.substring(0, geometry.indexOf('x')));
  }

  /** Height of the screen in pixels. */
  public int height() {
    return Integer.parseInt(geometry.substring(geometry.indexOf('x') + 1));
  }

  /**
   * The configured entrypoint, or {@code images/desktop/entrypoint.sh} found in {@code workDir} or
   * one of its parents (the agent usually runs from the repository or its module directory).
   *
   * @throws IllegalStateException naming what was tried when there is no executable script
   */
  static Path resolveEntrypoint(Path configured, Path workDir) {
    if (configured != null) {
      if (!Files.isRegularFile(configured) || !Files.isExecutable(configured)) {
        throw new IllegalStateException(
            "opencdi.agent.local.entrypoint="
                + configured
                + " is not an executable file; point it at the desktop image's entrypoint.sh");
      }
      return configured.toAbsolutePath().normalize();
    }
    for (Path dir = workDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(DEFAULT_ENTRYPOINT);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.normalize();
      }
    }
    throw new IllegalStateException(
        "the local runtime needs the desktop entrypoint script: "
            + DEFAULT_ENTRYPOINT
            + " was not found in "
            + workDir.toAbsolutePath()
            + " or its parents; set opencdi.agent.local.entrypoint to its path");
  }

  static String hostArch() {
    String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  static String hostNodeName() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      name = "localhost";
    }
    String label =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
    if (label.length() > 63) {
      label = label.substring(0, 63);
    }
    return label.isEmpty() ? "localhost" : label;
  }

  static long hostMemoryMiB() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize() / (1024 * 1024);
    }
    return 4096;
  }
}
