package io.opencdi.gateway.graphql;

/**
 * When a connection's next socket write may happen: at most one every {@code interval}, so that a
 * console receiving a burst of events gets them in one write instead of one each. On loopback or a
 * LAN a write costs the gateway more than the bytes it carries (about 14 µs of kernel time per
 * frame, measured at 10,000 consoles, docs/performance.md), so writes, not bytes, are what limit
 * the fan-out. A message to a connection that has not written for an interval goes out at once:
 * pacing costs an idle console nothing, a busy one at most the interval.
 *
 * <p>Pure and not thread-safe: its owner calls it under its own lock.
 */
final class FlushPacing {
  private final long intervalNanos;
  private long lastFlush;
  private boolean flushedBefore;

  FlushPacing(long intervalNanos) {
    if (intervalNanos < 0) {
      throw new IllegalArgumentException("a flush interval is not negative: " + intervalNanos);
    }
    this.intervalNanos = intervalNanos;
  }

  /** Nanoseconds from {@code now} until the write of a message handed out now may happen. */
  long delay(long now) {
    if (!flushedBefore) {
      return 0;
    }
    // Differences of nanoTime values, never comparisons of them: they may wrap.
    long since = now - lastFlush;
    return since >= intervalNanos ? 0 : intervalNanos - since;
  }

  /** A write happened at {@code now}. */
  void flushed(long now) {
    lastFlush = now;
    flushedBefore = true;
  }
}
