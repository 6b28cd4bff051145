package io.opencdi.agent.runtime.local;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The restarts of one desktop's session: when they happened within the restart window, why the last
 * did, and the wait before the next, which doubles with each restart in a row up to its maximum and
 * starts over once the session ran longer than that. The health checks read it and the restart
 * writes it, so the backoff rule lives here rather than in either. Guarded by the lifecycle's lock,
 * like the rest of its {@link LocalDesktop}.
 */
final class DesktopRestarts {
  // When its session was restarted (epoch millis), within the restart window; and why last.
  private final ArrayDeque<Long> times = new ArrayDeque<>();
  private String last;
  private int inRow;
  private long lastNanos;

  /** Records a restart for {@code why}; returns the wait before the session starts again. */
  Duration record(LocalSettings.Hygiene h, String why) {
    long now = System.nanoTime();
    if (inRow > 0 && now - lastNanos > h.restartBackoffMax().toNanos()) {
      inRow = 0; // it ran long enough: a new series
    }
    Duration wait = h.restartBackoff().multipliedBy(1L << Math.min(inRow, 20));
    if (wait.compareTo(h.restartBackoffMax()) > 0) {
      wait = h.restartBackoffMax();
    }
    inRow++;
    lastNanos = now + wait.toNanos();
    times.addLast(System.currentTimeMillis());
    last = why;
    return wait;
  }

  /** How many restarts are recorded (those outside the window are dropped by {@link #within}). */
  int count() {
    return times.size();
  }

  /** How many restarts happened within {@code window} before {@code nowMillis}. */
  int within(Duration window, long nowMillis) {
    long since = nowMillis - window.toMillis();
    while (!times.isEmpty() && times.peekFirst() < since) {
      times.pollFirst();
    }
    return times.size();
  }

  /** Why the last restart happened, or null. */
  String last() {
    return last;
  }

  /** Powered off or gone: a next start is a fresh session. */
  void clear() {
    times.clear();
    inRow = 0;
  }
}
