package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.protocol.DesktopSpec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts a desktop's processes and ends them: its home made ready (restored from a snapshot on a
 * first start, given to its user), its environment, then either a gVisor sandbox or the entrypoint
 * in namespaces and cgroups of its own (or, for an agent that is not root, as a plain process
 * group), with a display relay; and at the end every process, sandbox, relay and cgroup of it. This
 * is the blocking host work of a desktop, kept apart from the runtime's state machine, which only
 * decides when it runs.
 */
final class DesktopLauncher {
  /** The RFB port inside a gVisor sandbox (its network namespace is its own). */
  static final int SANDBOX_VNC_PORT = 5901;

  /** A desktop's home inside its own mount namespace (as in the desktop image's pods). */
  static final String DESKTOP_HOME = "/home/desktop";

  /** Where a desktop's namespace holds the agent-made parts: entrypoint copy, VNC socket. */
  private static final String DESKTOP_RUN = "/tmp/.opencdi";

  private static final String VNC_SOCKET = "rfb.sock";

  /** How much of a desktop's log a failure reason reads: its end only, whatever its size. */
  private static final int LOG_TAIL_BYTES = 8 * 1024;

  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  // Logs under the runtime's category, as before the launcher had a class of its own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  /** A desktop's user id, given once its directory exists (the runtime knows which are taken). */
  @FunctionalInterface
  interface Uids {
    int assign(Path dir) throws IOException;
  }

  private final LocalSettings settings;
  private final LocalDataDir dataDir;
  private final Gvisor gvisor;
  private final HomeSnapshots homeSnapshots;
  private final boolean dropPrivileges;

  // The X displays of the desktops started here and not yet ended.
  private final Set<Integer> displaysInUse = new HashSet<>();

  /**
   * @param gvisor the sandboxes' runner, or null when gVisor is not usable here
   * @param dropPrivileges whether desktops run as users of their own (the agent is root)
   */
  DesktopLauncher(
      LocalSettings settings,
      LocalDataDir dataDir,
      Gvisor gvisor,
      HomeSnapshots homeSnapshots,
      boolean dropPrivileges) {
    this.settings = settings;
    this.dataDir = dataDir;
    this.gvisor = gvisor;
    this.homeSnapshots = homeSnapshots;
    this.dropPrivileges = dropPrivileges;
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

  /**
   * Starts a desktop with its layers composed over {@code /usr} and {@code /opt} (none: the host's
   * alone); its processes run, its display may not answer yet.
   */
  Launch spawn(DesktopSpec spec, List<LayerCache.Overlay> overlays, Uids uids) throws IOException {
    Path dir = dataDir.dir(spec.id());
    Path home = dir.resolve("home");
    if (spec.restoreFrom() != null && !Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
      // A restored desktop's first start: its home begins as a copy of the snapshot.
      homeSnapshots.restore(spec.restoreFrom(), home);
    }
    Files.createDirectories(home);
    LocalDataDir.setMode(dir, "rwx--x--x");
    int uid = dropPrivileges ? uids.assign(dir) : HostCommands.uid();
    Path vncDir = dir.resolve("vnc");
    Files.createDirectories(vncDir);
    if (dropPrivileges) {
      // The home and all in it are the desktop user's alone (a restored copy was another's).
      LocalDataDir.ownTree(home, uid);
      Files.setAttribute(vncDir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(vncDir, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    LocalDataDir.setMode(home, "rwx------");
    LocalDataDir.setMode(vncDir, "rwx------");
    DesktopWatermark watermark = DesktopWatermark.create(dir);
    Path prints = DesktopPrints.create(dir, dropPrivileges ? uid : -1, settings.hygiene().prints());
    Set<String> printsAtStart = DesktopPrints.names(prints);
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
              dataDir.entrypoint(),
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
                dataDir.entrypoint().toString(),
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
        command.add(dataDir.entrypoint().toString());
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
      releaseDisplay(display);
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
            System.nanoTime(),
            printsAtStart);
    log.pump(process.getInputStream(), spec.id());
    DesktopRecovery.record(dir, launch);
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
   * Ends a desktop: SIGTERM to its entrypoint (which stops the session, the window manager and
   * Xvnc), then after the grace period SIGKILL to its PID namespace, its process group and every
   * process of its user (which catches a process that left the group with setsid), then the
   * sandbox, the relay and the cgroups.
   */
  void terminate(Launch launch) {
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
      HostCommands.sleep(Duration.ofMillis(50));
    }
    if (launch.relay() != null) {
      launch.relay().close();
    }
    launch.cgroups().remove();
    DesktopRecovery.forget(launch.log().file().getParent());
  }

  private int allocateDisplay() {
    synchronized (displaysInUse) {
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

  /** Frees the display of a launch that has ended, for the next desktop to start. */
  void releaseDisplay(int display) {
    synchronized (displaysInUse) {
      displaysInUse.remove(display);
    }
  }

  /** The last lines of a desktop's log, for the reason of its failure. */
  static String logTail(Launch launch) {
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

  /** Runs a command as the desktop user inside a desktop's gVisor sandbox. */
  HostCommands.Result execInSandbox(Launch launch, String... command) {
    return gvisor.exec(launch.sandbox(), launch.uid(), launch.uid(), command);
  }
}
