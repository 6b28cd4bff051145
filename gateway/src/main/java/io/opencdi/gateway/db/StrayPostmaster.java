package io.opencdi.gateway.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * A postmaster still running on our cluster after the system that started it died (older versions
 * started it in a session of its own): it holds the cluster's lock, so it is stopped before a new
 * one starts.
 */
final class StrayPostmaster {
  private static final Logger LOG = Logger.getLogger(StrayPostmaster.class);

  private StrayPostmaster() {}

  /** Stops the postmaster named in {@code dataDir}'s lock file if it is alive and serves it. */
  static void stop(Path dataDir, Duration timeout) throws IOException {
    Path lock = dataDir.resolve("postmaster.pid");
    if (!Files.isReadable(lock)) {
      return;
    }
    List<String> lines = Files.readAllLines(lock);
    long pid;
    try {
      pid = Long.parseLong(lines.isEmpty() ? "" : lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
    if (handle == null || !handle.isAlive() || !servesDirectory(pid, dataDir)) {
      // A stale lock file: PostgreSQL itself replaces it.
      return;
    }
    LOG.warnf("stopping PostgreSQL (pid %d) left running on %s by an earlier start", pid, dataDir);
    signalAndWait(handle, timeout);
  }

  /** A postmaster works in its data directory, whatever path it was given. */
  private static boolean servesDirectory(long pid, Path dataDir) {
    try {
      Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
      return cwd.equals(dataDir.toRealPath());
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Asks for a fast shutdown (SIGINT) and waits; kills the postmaster and its children when it does
   * not end in time, and waits for the children, which otherwise keep the cluster's shared memory.
   */
  static void signalAndWait(ProcessHandle postmaster, Duration timeout) {
    List<ProcessHandle> children = postmaster.descendants().toList();
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(5, TimeUnit.SECONDS);
      postmaster.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      LOG.warnf("PostgreSQL (pid %d) did not stop in %s; killing it", postmaster.pid(), timeout);
      postmaster.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      postmaster.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    for (ProcessHandle child : children) {
      try {
        child.onExit().get(5, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        child.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
