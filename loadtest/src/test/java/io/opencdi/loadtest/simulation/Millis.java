package io.opencdi.loadtest.simulation;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations in whole milliseconds, counted per millisecond up to ten minutes (longer ones count as
 * ten minutes): exact percentiles in constant memory however many millions are recorded.
 */
final class Millis {
  private static final int MAX = 600_000;
  private final AtomicLongArray counts = new AtomicLongArray(MAX + 1);

  void record(long millis) {
    counts.incrementAndGet((int) Math.max(0, Math.min(MAX, millis)));
  }

  long count() {
    long n = 0;
    for (int i = 0; i <= MAX; i++) {
      n += counts.get(i);
    }
    return n;
  }

  /**
   * The smallest value that {@code percent} per cent of the recordings do not exceed; 0 if none.
   */
  long percentile(double percent) {
    long n = count();
    if (n == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(percent / 100 * n);
    long seen = 0;
    for (int i = 0; i <= MAX; i++) {
      seen += counts.get(i);
      if (seen >= Math.max(1, rank)) {
        return i;
      }
    }
    return MAX;
  }

  long max() {
    for (int i = MAX; i >= 0; i--) {
      if (counts.get(i) > 0) {
        return i;
      }
    }
    return 0;
  }
}
