package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small blocking helpers around host commands and {@code /proc}; never called under a lock. */
final class HostCommands {
  private HostCommands() {}

  /** A finished command: exit code (-1 on timeout or failure to start) and its merged output. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /** Sleeps; an interrupt ends the sleep and stays set for the caller's loop to see. */
  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs a command with a clean environment, waiting at most {@code timeoutMillis}. */
  static Result run(long timeoutMillis, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder
        .environment()
        .put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readNBytes(64 * 1024);
      if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", command));
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  static Result run(long timeoutMillis, String... command) {
    return run(timeoutMillis, List.of(command));
  }

  /** The effective user id of this process (the owner of {@code /proc/self}). */
  static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** An executable found on {@code PATH}, or the path itself when it contains a slash. */
  static Path which(String command) {
    if (command.contains("/")) {
      Path path = Path.of(command);
      return Files.isRegularFile(path) && Files.isExecutable(path) ? path : null;
    }
    String pathVar = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    List<String> dirs = new ArrayList<>(List.of(pathVar.split(":")));
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Sends a signal to every process of a process group. */
  static void signalGroup(long pgid, String signal) {
    if (pgid > 1) {
      run(5_000, "kill", "-s", signal, "--", "-" + pgid);
    }
  }

  /** Ids of the live processes whose process group is {@code pgid} (read from /proc). */
  static List<Long> groupMembers(long pgid) {
    return processesWhere(
        dir -> {
          String stat = Files.readString(dir.resolve("stat"));
          // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses.
          String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          return Long.parseLong(rest[2]) == pgid && !rest[0].equals("Z");
        });
  }

  /**
   * Ids of the live processes whose real or effective user id is {@code uid}: with a user id of its
   * own, these are exactly a desktop's processes, wherever they moved (setsid, daemons).
   */
  static List<Long> processesOf(int uid) {
    String id = Integer.toString(uid);
    return processesWhere(
        dir -> {
          for (String line : Files.readAllLines(dir.resolve("status"))) {
            if (line.startsWith("State:") && line.contains("Z")) {
              return false;
            }
            if (line.startsWith("Uid:")) {
              String[] ids = line.substring(4).trim().split("\\s+");
              return ids[0].equals(id) || ids[1].equals(id);
            }
          }
          return false;
        });
  }

  /** Reads one process's /proc directory; may fail when the process goes away meanwhile. */
  private interface ProcessTest {
    boolean matches(Path procDir) throws IOException;
  }

  /**
   * Ids of the processes in /proc that pass {@code test}; those that end while read are skipped.
   */
  private static List<Long> processesWhere(ProcessTest test) {
    List<Long> pids = new ArrayList<>();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        String name = dir.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (test.matches(dir)) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException e) {
          // the process went away while we looked
        }
      }
    } catch (IOException e) {
      return pids;
    }
    return pids;
  }

  /** SIGKILLs every process of a user until none is left (a forking process cannot outrun it). */
  static void killUser(int uid) {
    for (int round = 0; round < 50; round++) {
      List<Long> pids = processesOf(uid);
      if (pids.isEmpty()) {
        return;
      }
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The command line of a live process, or empty. */
  static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }
}
