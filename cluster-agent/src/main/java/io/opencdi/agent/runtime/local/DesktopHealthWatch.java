package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.DesktopHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges one running desktop's health from what the kernel and the agent count for it between two
 * checks: forks refused at its pids limit (processes growing without bound), its memory limit
 * reached, its log written faster than allowed, its session restarted lately. Pure logic over
 * counters, so the rules can be read and tested in one place; {@link DesktopLifecycle} feeds it.
 */
final class DesktopHealthWatch {
  /** A desktop at this share of its pids or memory limit is near it. */
  private static final double NEAR_LIMIT = 0.9;

  private final LocalSettings.Hygiene hygiene;
  private DesktopCgroups.Usage previous;
  private long previousLogBytes;
  private long previousAtMillis = -1;

  DesktopHealthWatch(LocalSettings.Hygiene hygiene) {
    this.hygiene = hygiene;
  }

  /** A health and, when DEGRADED, why. */
  record Judgement(DesktopHealth health, String reason) {
    static final Judgement OK = new Judgement(DesktopHealth.OK, null);
  }

  /**
   * The desktop's health now.
   *
   * @param usage its cgroups' counters now
   * @param logBytes bytes its log received since it started
   * @param restarts restarts of its session within the restart window
   * @param lastRestart why the last of them happened, or null
   * @param nowMillis the clock now
   */
  Judgement check(
      DesktopCgroups.Usage usage, long logBytes, int restarts, String lastRestart, long nowMillis) {
    List<String> reasons = new ArrayList<>();
    long refusedBefore = previous == null ? 0 : Math.max(0, previous.forksRefused());
    if (usage.pidsMax() > 0
        && (usage.forksRefused() > refusedBefore
            || usage.processes() >= NEAR_LIMIT * usage.pidsMax())) {
      reasons.add(
          "processes reached the limit of "
              + usage.pidsMax()
              + " ("
              + usage.processes()
              + " running, "
              + Math.max(0, usage.forksRefused())
              + " forks refused)");
    }
    long hitsBefore = previous == null ? 0 : Math.max(0, previous.memoryLimitHits());
    if (usage.memoryMax() > 0
        && usage.memoryBytes() >= NEAR_LIMIT * usage.memoryMax()
        && usage.memoryLimitHits() > hitsBefore) {
      reasons.add(
          "memory reached the limit of "
              + (usage.memoryMax() >> 20)
              + " MiB ("
              + (usage.memoryBytes() >> 20)
              + " MiB in use)");
    }
    if (previousAtMillis >= 0 && nowMillis > previousAtMillis) {
      long perMinute =
          (logBytes - previousLogBytes)
              * Duration.ofMinutes(1).toMillis()
              / (nowMillis - previousAtMillis);
      if (perMinute > hygiene.logBytesPerMinute()) {
        reasons.add(
            "log volume of "
                + kib(perMinute)
                + " KiB per minute (above "
                + kib(hygiene.logBytesPerMinute())
                + "; desktop.log is kept under "
                + kib(hygiene.logMaxBytes())
                + " KiB by rotation)");
      }
    }
    if (restarts > 0) {
      reasons.add(
          "session restarted "
              + restarts
              + (restarts == 1 ? " time" : " times")
              + " in the last "
              + hygiene.restartWindow().toMinutes()
              + " min"
              + (lastRestart == null ? "" : " (last: " + lastRestart + ")"));
    }
    previous = usage;
    previousLogBytes = logBytes;
    previousAtMillis = nowMillis;
    return reasons.isEmpty()
        ? Judgement.OK
        : new Judgement(DesktopHealth.DEGRADED, String.join("; ", reasons));
  }

  private static long kib(long bytes) {
    return bytes >> 10;
  }
}
