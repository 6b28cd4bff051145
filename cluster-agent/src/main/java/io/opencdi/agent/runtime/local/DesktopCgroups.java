package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A desktop's cgroups (v1 {@code pids} and {@code memory} hierarchies under {@code
 * /sys/fs/cgroup/<controller>/opencdi/<uid>}, named by the desktop's own user id): the most
 * processes it may run and the memory it asked for, enforced by the kernel. Where a hierarchy is
 * missing or not writable (an agent that is not root, a cgroup v2 host) the desktop runs without
 * that limit and the agent says so.
 */
final class DesktopCgroups {
  private static final Logger LOG = Logger.getLogger(DesktopCgroups.class);
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private DesktopCgroups() {}

  /**
   * Creates the desktop's groups with their limits and returns their {@code cgroup.procs} files,
   * into which the desktop's first process writes itself before it starts anything.
   */
  static List<Path> create(String desktopId, int uid, int pidsMax, long memoryMiB) {
    List<Path> procs = new ArrayList<>();
    group("pids", desktopId, uid, "pids.max", Integer.toString(pidsMax)).ifPresent(procs::add);
    if (memoryMiB > 0) {
      group("memory", desktopId, uid, "memory.limit_in_bytes", Long.toString(memoryMiB << 20))
          .ifPresent(procs::add);
    }
    return procs;
  }

  private static Optional<Path> group(
      String controller, String desktopId, int uid, String limitFile, String limit) {
    Path hierarchy = ROOT.resolve(controller);
    if (!Files.isWritable(hierarchy)) {
      LOG.debugf("desktop %s: no writable %s cgroup hierarchy; not limited", desktopId, controller);
      return Optional.empty();
    }
    Path dir = hierarchy.resolve("opencdi").resolve(Integer.toString(uid));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(limitFile), limit);
      return Optional.of(dir.resolve("cgroup.procs"));
    } catch (IOException e) {
      LOG.warnf("desktop %s: cannot set up its %s cgroup: %s", desktopId, controller, e);
      return Optional.empty();
    }
  }

  /** Removes the desktop's groups once its processes are gone. */
  static void remove(List<Path> procs) {
    for (Path p : procs) {
      try {
        // A cgroup directory is removed with rmdir, its control files going with it.
        Files.deleteIfExists(p.getParent());
      } catch (IOException e) {
        LOG.debugf("could not remove cgroup %s: %s", p.getParent(), e.getMessage());
      }
    }
  }
}
