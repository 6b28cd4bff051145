package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.ProcessUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the processes of desktops use, read from {@code /proc} like {@code top} does: CPU time is
 * sampled twice, a short window apart, and the difference gives the use now; memory is the resident
 * set. A desktop is a process group (its session leader was started with {@code setsid}) and the
 * descendants of its members; a process that daemonises (its parent becomes init) is not seen.
 * Reads only; never called under a lock.
 */
final class ProcessTable {
  private static final int MAX_COMMAND = 200;
  private static final long TICKS_PER_SECOND = clockTicks();
  private static final long PAGE_SIZE = pageSize();

  private ProcessTable() {}

  /** One process at one instant. */
  record Sample(long pid, long ppid, long pgid, String name, long cpuTicks, long rssBytes) {
    Sample inGroup(long group) {
      return new Sample(pid, ppid, group, name, cpuTicks, rssBytes);
    }
  }

  /** What one process group uses, measured over a window. */
  record GroupUsage(long cpuMillis, long memoryBytes, List<ProcessUsage> processes) {}

  /**
   * Measures the groups {@code pgids} over {@code window}: one pass over {@code /proc}, a pause, a
   * second pass. Processes that end within the window are left out; a group without live processes
   * has no entry.
   */
  static Map<Long, GroupUsage> measure(Collection<Long> pgids, Duration window) {
    Map<Long, Sample> before = byPid(scan(pgids));
    long startNanos = System.nanoTime();
    try {
      Thread.sleep(window);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Sample> after = scan(pgids);
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    Map<Long, List<ProcessUsage>> processes = new HashMap<>();
    for (Sample now : after) {
      Sample then = before.get(now.pid());
      long ticks = then == null ? 0 : Math.max(0, now.cpuTicks() - then.cpuTicks());
      double percent = ticks / (double) TICKS_PER_SECOND / seconds * 100.0;
      processes
          .computeIfAbsent(now.pgid(), g -> new ArrayList<>())
          .add(
              new ProcessUsage(
                  now.pid(),
                  command(now),
                  round2(now.cpuTicks() / (double) TICKS_PER_SECOND),
                  round2(percent),
                  now.rssBytes()));
    }
    Map<Long, GroupUsage> usage = new HashMap<>();
    processes.forEach(
        (pgid, list) -> {
          list.sort((a, b) -> Double.compare(b.cpuPercent(), a.cpuPercent()));
          double cores = list.stream().mapToDouble(ProcessUsage::cpuPercent).sum() / 100.0;
          long memory = list.stream().mapToLong(ProcessUsage::rssBytes).sum();
          usage.put(pgid, new GroupUsage(Math.round(cores * 1000), memory, List.copyOf(list)));
        });
    return usage;
  }

  /**
   * The live (not zombie) processes of the desktops whose process groups are {@code pgids}: the
   * members of each group and all their descendants, which may have left the group (xterm starts
   * its shell in a session of its own). Each sample's {@code pgid} is the desktop's group.
   */
  static List<Sample> scan(Collection<Long> pgids) {
    List<Sample> all = new ArrayList<>();
    if (pgids.isEmpty()) {
      return all;
    }
    Map<Long, List<Sample>> children = new HashMap<>();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        String name = dir.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          Sample sample = parseStat(Long.parseLong(name), Files.readString(dir.resolve("stat")));
          if (sample != null) {
            all.add(sample);
            children.computeIfAbsent(sample.ppid(), p -> new ArrayList<>()).add(sample);
          }
        } catch (IOException | RuntimeException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    List<Sample> selected = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    Deque<Sample> queue = new ArrayDeque<>();
    for (Sample s : all) {
      if (pgids.contains(s.pgid()) && seen.add(s.pid())) {
        queue.add(s);
      }
    }
    while (!queue.isEmpty()) {
      Sample s = queue.poll();
      selected.add(s);
      for (Sample child : children.getOrDefault(s.pid(), List.of())) {
        if (seen.add(child.pid())) {
          queue.add(child.inGroup(s.pgid()));
        }
      }
    }
    return selected;
  }

  /**
   * Parses a {@code /proc/<pid>/stat} line: {@code pid (comm) state ppid pgrp … utime stime … rss
   * …}; the name may hold spaces and parentheses, so fields are counted from its last {@code )}.
   * Returns null for a zombie.
   */
  static Sample parseStat(long pid, String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    String name = stat.substring(open + 1, close);
    String[] f = stat.substring(close + 2).trim().split(" ");
    if (f[0].equals("Z") || f[0].equals("X")) {
      return null;
    }
    long ppid = Long.parseLong(f[1]);
    long pgid = Long.parseLong(f[2]);
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
    long rssPages = Long.parseLong(f[21]);
    return new Sample(pid, ppid, pgid, name, ticks, rssPages * PAGE_SIZE);
  }

  private static String command(Sample sample) {
    String line = HostCommands.cmdline(sample.pid()).strip();
    if (line.isEmpty()) {
      line = "[" + sample.name() + "]";
    }
    return line.length() > MAX_COMMAND ? line.substring(0, MAX_COMMAND - 1) + "…" : line;
  }

  private static long clockTicks() {
    return getconf("CLK_TCK", 100);
  }

  private static long pageSize() {
    return getconf("PAGESIZE", 4096);
  }

  private static long getconf(String name, long fallback) {
    HostCommands.Result r = HostCommands.run(5_000, "getconf", name);
    try {
      return r.ok() ? Long.parseLong(r.output().strip()) : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static Map<Long, Sample> byPid(List<Sample> samples) {
    Map<Long, Sample> map = new HashMap<>();
    samples.forEach(s -> map.put(s.pid(), s));
    return map;
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
