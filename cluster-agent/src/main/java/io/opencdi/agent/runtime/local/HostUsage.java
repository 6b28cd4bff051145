package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's CPU and memory in use, from {@code /proc/stat} and {@code /proc/meminfo}. */
final class HostUsage {
  private HostUsage() {}

  /** Busy and total jiffies of all CPUs (the first line of {@code /proc/stat}). */
  record CpuTimes(long busy, long total) {}

  static CpuTimes cpuTimes() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0); // idle+iowait
      return new CpuTimes(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** CPU in use between two readings, in millicores of a host with {@code cpus} CPUs. */
  static Long cpuMillis(CpuTimes before, CpuTimes after, int cpus) {
    if (before == null || after == null || after.total() <= before.total()) {
      return null;
    }
    double busy = (after.busy() - before.busy()) / (double) (after.total() - before.total());
    return Math.round(busy * cpus * 1000);
  }

  /** Memory in use (MemTotal − MemAvailable) in MiB, or null when it cannot be read. */
  static Long memoryMiB() {
    try {
      long total = -1;
      long available = -1;
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          total = kib(line);
        } else if (line.startsWith("MemAvailable:")) {
          available = kib(line);
        }
      }
      return total < 0 || available < 0 ? null : (total - available) / 1024;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }
}
