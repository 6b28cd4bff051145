package io.opencdi.agent.link;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential back-off with "equal jitter": the n-th delay is drawn from [d/2, d] where d = min ·
 * 2ⁿ capped at max, so a fleet of agents that lost the gateway at once does not reconnect in
 * lockstep. Not thread-safe; the link uses it from its own thread.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private final RandomGenerator random;
  private int attempt;

  Backoff(Duration min, Duration max, RandomGenerator random) {
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "opencdi.agent.reconnect needs 0 < min-delay <= max-delay, got " + min + ", " + max);
    }
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before the next attempt; each call doubles the ceiling up to the maximum. */
  Duration next() {
    long ceiling = attempt >= 62 ? maxNanos : Math.min(maxNanos, minNanos << attempt);
    if (ceiling < minNanos) { // overflow of the shift
      ceiling = maxNanos;
    }
    attempt++;
    long half = ceiling / 2;
    return Duration.ofNanos(half + random.nextLong(ceiling - half + 1));
  }

  /** Back to the shortest delay, after a successful handshake. */
  void reset() {
    attempt = 0;
  }

  /** Straight to the longest delay, when retrying soon cannot help (a refused token). */
  void exhaust() {
    attempt = 62;
  }
}
