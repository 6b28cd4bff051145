package io.opencdi.gateway.common;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of something each user holds on this replica, bounded: what keeps one user from piling
 * up file requests or sound connections (each holds a tunnel and work on the desktop's host).
 */
public final class PerUserCount {
  private final Map<UUID, Integer> held = new ConcurrentHashMap<>();

  /** Takes one for {@code user} unless the user already holds {@code max}; says whether it did. */
  public boolean take(UUID user, int max) {
    boolean[] taken = {false};
    held.compute(
        user,
        (k, n) -> {
          int now = n == null ? 0 : n;
          if (now >= max) {
            return n;
          }
          taken[0] = true;
          return now + 1;
        });
    return taken[0];
  }

  /** Gives one of {@code user}'s back. */
  public void release(UUID user) {
    held.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** How many {@code user} holds now. */
  public int of(UUID user) {
    return held.getOrDefault(user, 0);
  }
}
