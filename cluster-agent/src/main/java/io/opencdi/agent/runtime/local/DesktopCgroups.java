package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A desktop's cgroups, named by the desktop's own user id: the most processes it may run, the
 * memory it asked for and the CPU it asked for (as a CFS quota), enforced by the kernel. On a
 * cgroup v2 host (a {@code cgroup.controllers} file at the root) that is one group {@code
 * <root>/opencdi/<uid>} with {@code pids.max}, {@code memory.max} and {@code cpu.max}; on a v1 host
 * one group per hierarchy ({@code pids}, {@code memory}, {@code cpu}). Where a hierarchy is missing
 * or not writable (an agent that is not root) the desktop runs without that limit and the agent
 * says so. The groups' counters ({@link #usage()}) feed the desktop's health.
 */
final class DesktopCgroups {
  private static final Logger LOG = Logger.getLogger(DesktopCgroups.class);

  /** The CFS period the CPU quota is expressed in (the kernel's default). */
  static final long CPU_PERIOD_MICROS = 100_000;

  private static final DesktopCgroups NONE = new DesktopCgroups(false, List.of());

  private final boolean unified;
  private final List<Path> dirs;

  private DesktopCgroups(boolean unified, List<Path> dirs) {
    this.unified = unified;
    this.dirs = List.copyOf(dirs);
  }

  /** No groups: a desktop that runs without kernel limits (an agent that is not root). */
  static DesktopCgroups none() {
    return NONE;
  }

  /**
   * Creates the desktop's groups under {@code root} (normally {@code /sys/fs/cgroup}) with their
   * limits. A limit of 0 leaves that resource unlimited.
   */
  static DesktopCgroups create(
      Path root, String desktopId, int uid, int pidsMax, long memoryMiB, long cpuMillis) {
    String name = Integer.toString(uid);
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      return createUnified(root, desktopId, name, pidsMax, memoryMiB, cpuMillis);
    }
    List<Path> dirs = new ArrayList<>();
    group(root, "pids", desktopId, name, List.of(new Limit("pids.max", pidsMax)))
        .ifPresent(dirs::add);
    if (memoryMiB > 0) {
      group(
              root,
              "memory",
              desktopId,
              name,
              List.of(new Limit("memory.limit_in_bytes", memoryMiB << 20)))
          .ifPresent(dirs::add);
    }
    if (cpuMillis > 0) {
      group(
              root,
              "cpu",
              desktopId,
              name,
              List.of(
                  new Limit("cpu.cfs_period_us", CPU_PERIOD_MICROS),
                  new Limit("cpu.cfs_quota_us", quotaMicros(cpuMillis))))
          .ifPresent(dirs::add);
    }
    return new DesktopCgroups(false, dirs);
  }

  private static DesktopCgroups createUnified(
      Path root, String desktopId, String name, int pidsMax, long memoryMiB, long cpuMillis) {
    if (!Files.isWritable(root)) {
      LOG.debugf("desktop %s: the cgroup v2 hierarchy is not writable; not limited", desktopId);
      return NONE;
    }
    Path parent = root.resolve("opencdi");
    Path dir = parent.resolve(name);
    try {
      Files.createDirectories(dir);
      // Controllers reach a group only when every ancestor hands them down.
      enable(root, "+pids +memory +cpu");
      enable(parent, "+pids +memory +cpu");
      Files.writeString(dir.resolve("pids.max"), Integer.toString(pidsMax));
      if (memoryMiB > 0) {
        Files.writeString(dir.resolve("memory.max"), Long.toString(memoryMiB << 20));
      }
      if (cpuMillis > 0) {
        Files.writeString(dir.resolve("cpu.max"), quotaMicros(cpuMillis) + " " + CPU_PERIOD_MICROS);
      }
      return new DesktopCgroups(true, List.of(dir));
    } catch (IOException e) {
      LOG.warnf("desktop %s: cannot set up its cgroup %s: %s", desktopId, dir, e);
      return new DesktopCgroups(true, Files.isDirectory(dir) ? List.of(dir) : List.of());
    }
  }

  private static void enable(Path group, String controllers) throws IOException {
    Path control = group.resolve("cgroup.subtree_control");
    if (Files.exists(control)) {
      Files.writeString(control, controllers);
    }
  }

  private static long quotaMicros(long cpuMillis) {
    return Math.max(1_000, cpuMillis * CPU_PERIOD_MICROS / 1000);
  }

  private record Limit(String file, long value) {}

  private static Optional<Path> group(
      Path root, String controller, String desktopId, String name, List<Limit> limits) {
    Path hierarchy = root.resolve(controller);
    if (!Files.isWritable(hierarchy)) {
      LOG.debugf("desktop %s: no writable %s cgroup hierarchy; not limited", desktopId, controller);
      return Optional.empty();
    }
    Path dir = hierarchy.resolve("opencdi").resolve(name);
    try {
      Files.createDirectories(dir);
      for (Limit l : limits) {
        Files.writeString(dir.resolve(l.file()), Long.toString(l.value()));
      }
      return Optional.of(dir);
    } catch (IOException e) {
      LOG.warnf("desktop %s: cannot set up its %s cgroup: %s", desktopId, controller, e);
      return Optional.empty();
    }
  }

  /**
   * The groups' {@code cgroup.procs} files, into which the desktop's first process writes itself
   * before it starts anything (its descendants inherit them).
   */
  List<Path> procs() {
    return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
  }

  /** The group directories (for diagnostics and tests). */
  List<Path> dirs() {
    return dirs;
  }

  /**
   * What the kernel counted for the desktop's groups; a counter the host does not offer is -1.
   *
   * @param processes processes and threads now
   * @param pidsMax the most allowed
   * @param forksRefused forks refused at the limit since the desktop started
   * @param memoryBytes memory charged now
   * @param memoryMax the memory limit, or -1
   * @param memoryLimitHits times the memory limit was reached (reclaim or out-of-memory kills)
   */
  record Usage(
      long processes,
      long pidsMax,
      long forksRefused,
      long memoryBytes,
      long memoryMax,
      long memoryLimitHits) {}

  /** Reads the groups' counters now. */
  Usage usage() {
    Path pids = find("pids");
    Path memory = find("memory");
    long memoryHits =
        unified ? event(memory, "memory.events", "oom_kill") : number(memory, "memory.failcnt");
    return new Usage(
        number(pids, "pids.current"),
        number(pids, "pids.max"),
        event(pids, "pids.events", "max"),
        number(memory, unified ? "memory.current" : "memory.usage_in_bytes"),
        number(memory, unified ? "memory.max" : "memory.limit_in_bytes"),
        memoryHits);
  }

  private Path find(String controller) {
    if (unified) {
      return dirs.isEmpty() ? null : dirs.get(0);
    }
    for (Path d : dirs) {
      if (d.getParent().getParent().getFileName().toString().equals(controller)) {
        return d;
      }
    }
    return null;
  }

  private static long number(Path dir, String file) {
    if (dir == null) {
      return -1;
    }
    try {
      String text = Files.readString(dir.resolve(file)).strip();
      return text.equals("max") ? -1 : Long.parseLong(text);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The count of one key of a flat-keyed file such as {@code pids.events} ({@code max 3}). */
  private static long event(Path dir, String file, String key) {
    if (dir == null) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(dir.resolve(file))) {
        String[] kv = line.strip().split("\\s+");
        if (kv.length == 2 && kv[0].equals(key)) {
          return Long.parseLong(kv[1]);
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Removes the desktop's groups once its processes are gone. */
  void remove() {
    for (Path d : dirs) {
      try {
        // A cgroup directory is removed with rmdir, its control files going with it.
        Files.deleteIfExists(d);
      } catch (IOException e) {
        LOG.debugf("could not remove cgroup %s: %s", d, e.getMessage());
      }
    }
  }
}
