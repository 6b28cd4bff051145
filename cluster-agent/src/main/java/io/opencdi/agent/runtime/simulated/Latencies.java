package io.opencdi.agent.runtime.simulated;

import io.opencdi.agent.runtime.RuntimeConfig;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long simulated transitions take; each transition draws uniformly between its min and max.
 *
 * @param startMin shortest STARTING → RUNNING
 * @param startMax longest STARTING → RUNNING
 * @param stopMin shortest STOPPING → STOPPED (and delete of a running desktop)
 * @param stopMax longest STOPPING → STOPPED
 */
public record Latencies(Duration startMin, Duration startMax, Duration stopMin, Duration stopMax) {
  public Latencies {
    check("start", startMin, startMax);
    check("stop", stopMin, stopMax);
  }

  /** The configured latencies. */
  public static Latencies from(RuntimeConfig.Simulated config) {
    return new Latencies(
        config.startLatencyMin(),
        config.startLatencyMax(),
        config.stopLatencyMin(),
        config.stopLatencyMax());
  }

  long startNanos(RandomGenerator random) {
    return draw(random, startMin, startMax);
  }

  long stopNanos(RandomGenerator random) {
    return draw(random, stopMin, stopMax);
  }

  private static long draw(RandomGenerator random, Duration min, Duration max) {
    long lo = min.toNanos();
    long hi = max.toNanos();
    return lo == hi ? lo : random.nextLong(lo, hi + 1);
  }

  private static void check(String what, Duration min, Duration max) {
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "opencdi.agent.simulated."
              + what
              + "-latency-min/-max must satisfy 0 <= min <= max, got "
              + min
              + " and "
              + max);
    }
  }
}
