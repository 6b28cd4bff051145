package io.opencdi.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's CPU time so far, user and system, from {@code /proc/PID/stat}. */
final class CpuTicks {
  /** Linux reports these times in clock ticks of USER_HZ, 100 a second on every architecture. */
  static final double PER_SECOND = 100;

  private CpuTicks() {}

  /** utime + stime of {@code pid} in clock ticks, or -1 when it cannot be read. */
  static long of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) is in parentheses and may hold spaces: count after it.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
