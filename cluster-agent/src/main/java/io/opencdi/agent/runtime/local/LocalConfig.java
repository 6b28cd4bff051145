package io.opencdi.agent.runtime.local;

import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the {@code local} runtime ({@code opencdi.agent.local.*}). */
public interface LocalConfig {

  /** Name of the one cluster the local runtime serves. */
  @WithDefault("local")
  String clusterName();

  /** Region label of the local cluster (placement's user locality). */
  @WithDefault("local")
  String region();

  /** Zone label of the local cluster; defaults to {@code <region>-a}. */
  Optional<String> zone();

  /** Name of the one node; defaults to the host name (lower-cased, as a DNS label). */
  Optional<String> nodeName();

  /** Allocatable CPU of the node in millicores; defaults to the host's processors × 1000. */
  Optional<Long> cpuMillis();

  /** Allocatable memory of the node in MiB; defaults to the host's physical memory. */
  Optional<Long> memoryMiB();

  /** How many desktops the node may run at once. */
  @WithDefault("16")
  int maxDesktops();

  /**
   * Storage classes the local cluster offers for home volumes. A home is a directory under the data
   * directory; templates ask for {@code local-home} to be placed here (ADR 0006).
   */
  @WithDefault("local-home")
  List<String> storageClasses();

  /**
   * Where homes and logs live: {@code <data-dir>/desktops/<id>/{home,desktop.log}}. It may lie in a
   * directory no one else can enter: a root agent binds each home into its desktop's own mount
   * namespace (gVisor desktops, though, need every ancestor traversable; ADR 0021).
   */
  @WithDefault(".opencdi/local-desktops")
  Path dataDir();

  /**
   * The desktop image's entrypoint script. When unset, {@code images/desktop/entrypoint.sh} is
   * looked up in the working directory and its parents (the repository root).
   */
  Optional<Path> entrypoint();

  /**
   * Where application layers are found: a directory of OCI image layouts, the image {@code
   * <name>:<tag>} being the layout {@code <layer-store>/<name>} (registry host and path elements as
   * directories) with that tag, as {@code skopeo copy docker://<name>:<tag>
   * oci:<layer-store>/<name>:<tag>} writes it. Defaults to {@code <data-dir>/layer-store}. Layers
   * are unpacked once per host into {@code <data-dir>/layers} (ADR 0037).
   */
  Optional<Path> layerStore();

  /**
   * How long an unpacked application layer stays in {@code <data-dir>/layers} once no desktop on
   * this host references it (running or stopped: only deleting a desktop, or starting it with other
   * layers, lets go of its layers). Layers are checked every few minutes and after each delete; a
   * restarted agent counts from its start. {@code 0s} removes unused layers at the next check.
   */
  @WithDefault("1h")
  Duration layerGrace();

  /** gVisor's {@code runsc}: a path or a command name looked up on {@code PATH}. */
  @WithDefault("runsc")
  String runsc();

  /**
   * First user id of the range desktops run as when the agent runs as root: each desktop gets one
   * of its own (its group id is the same number), kept with the desktop across power cycles and
   * agent restarts. No host account should use the range. When the agent is not root, desktops run
   * as the agent's own user (ADR 0021).
   */
  @WithDefault("200000")
  int desktopUidBase();

  /** How many user ids the range holds: at most that many desktops exist at once. */
  @WithDefault("10000")
  int desktopUidCount();

  /** Most processes (and threads) one desktop may run at once (its pids cgroup, when writable). */
  @WithDefault("2048")
  int desktopPidsMax();

  /** Screen size of new desktops ({@code WIDTHxHEIGHT}). */
  @WithDefault("1280x800")
  String geometry();

  /** The desktop session: {@code openbox}, {@code xfce} or {@code auto} (XFCE when installed). */
  @WithDefault("auto")
  String session();

  /** First X display number tried for desktops that run directly on the host. */
  @WithDefault("20")
  int displayBase();

  /** Longest time from launch to the RFB banner before the desktop is reported FAILED. */
  @WithDefault("30s")
  Duration startTimeout();

  /** How long a stopping desktop gets after SIGTERM before its processes are killed. */
  @WithDefault("5s")
  Duration stopGrace();

  /** Long-run upkeep of each desktop: its log's cap, its health checks, its restarts. */
  Hygiene hygiene();

  /** {@code opencdi.agent.local.hygiene.*}: what keeps a desktop that runs for months healthy. */
  interface Hygiene {
    /**
     * Most bytes a desktop's log may hold on disk: {@code desktop.log} is rotated to {@code
     * desktop.log.1} when it reaches half of it, so the two together never exceed it.
     */
    @WithDefault("8388608")
    long logMaxBytes();

    /** A desktop writing its log faster than this (bytes per minute) is DEGRADED. */
    @WithDefault("1048576")
    long logBytesPerMinute();

    /** How often each running desktop's processes, memory and log are checked. */
    @WithDefault("5s")
    Duration healthInterval();

    /** Wait before the first restart of a session that died; doubled for each further one. */
    @WithDefault("1s")
    Duration restartBackoff();

    /**
     * Longest wait between restarts. A session that ran this long since its last restart starts
     * again from the first wait.
     */
    @WithDefault("1m")
    Duration restartBackoffMax();

    /** How long a restart keeps the desktop DEGRADED. */
    @WithDefault("1h")
    Duration restartWindow();

    /**
     * Most PDFs a desktop's prints folder keeps: beyond it the oldest are removed when the desktop
     * starts and when it prints (ADR 0043).
     */
    @WithDefault("100")
    int printsMaxCount();

    /** Most bytes the PDFs of a desktop's prints folder hold together, the oldest removed first. */
    @WithDefault("268435456")
    long printsMaxBytes();
  }
}
