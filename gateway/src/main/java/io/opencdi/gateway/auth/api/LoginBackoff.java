package io.opencdi.gateway.auth.api;

import io.opencdi.gateway.common.RateLimitedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per user name and per client address backoff for {@code login}, on this replica. After the free
 * failures, each failure makes the next attempt wait {@code firstWait × 2^(n-1)} up to {@code
 * maxWait}; an attempt during a wait is refused at once with {@code RATE_LIMITED} and a retry hint,
 * before any password is checked, so a right password is refused too and guessing gains nothing.
 * Every attempt counts as a failure from the moment it is admitted (attempts sent in parallel are
 * counted before their passwords are checked); a successful sign-in takes its own back from the
 * address and clears its user name's failures, but not the address's others: one's own account must
 * not reset guessing at others'.
 */
@ApplicationScoped
public class LoginBackoff {
  /** Entries beyond this many are swept of the forgotten ones. */
  private static final int SWEEP_ABOVE = 10_000;

  private final LoginBackoffConfig config;
  private final LongSupplier clock;
  private final Map<String, Failures> byUser = new ConcurrentHashMap<>();
  private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();

  @Inject
  public LoginBackoff(LoginBackoffConfig config) {
    this(config, System::nanoTime);
  }

  LoginBackoff(LoginBackoffConfig config, LongSupplier clock) {
    this.config = config;
    this.clock = clock;
  }

  /**
   * Admits a sign-in attempt, counted as failed until {@link #succeeded}; refuses it with {@code
   * RATE_LIMITED} while the user name or the address must wait.
   *
   * @param address the client's address, or null when the transport has none
   */
  public void attempt(String username, String address) {
    long now = clock.getAsLong();
    long wait = Math.max(waitOf(byUser, userKey(username), now), waitOf(byAddress, address, now));
    if (wait > 0) {
      throw new RateLimitedException(
          "too many failed sign-ins for this user name or from this address; wait before trying"
              + " again",
          Duration.ofNanos(wait));
    }
    sweep(now);
    record(byUser, userKey(username), config.userFreeFailures(), now);
    if (address != null) {
      record(byAddress, address, config.addressFreeFailures(), now);
    }
  }

  /** The attempt signed in: its user name starts again with a clean slate. */
  public void succeeded(String username, String address) {
    byUser.remove(userKey(username));
    if (address != null) {
      byAddress.computeIfPresent(address, (k, f) -> f.undo() ? null : f);
    }
  }

  private static String userKey(String username) {
    return username.toLowerCase(Locale.ROOT);
  }

  private long waitOf(Map<String, Failures> map, String key, long now) {
    if (key == null) {
      return 0;
    }
    Failures f = map.get(key);
    return f == null ? 0 : f.waitAt(now);
  }

  private void record(Map<String, Failures> map, String key, int free, long now) {
    map.compute(
        key,
        (k, f) -> {
          Failures next = f == null || f.forgottenAt(now) ? new Failures() : f;
          next.fail(free, now);
          return next;
        });
  }

  private void sweep(long now) {
    if (byUser.size() > SWEEP_ABOVE) {
      byUser.values().removeIf(f -> f.forgottenAt(now));
    }
    if (byAddress.size() > SWEEP_ABOVE) {
      byAddress.values().removeIf(f -> f.forgottenAt(now));
    }
  }

  private final class Failures {
    private int count;
    private long last;
    private long until;

    synchronized void fail(int free, long now) {
      count++;
      last = now;
      if (count >= free) {
        long max = config.maxWait().toNanos();
        long wait = config.firstWait().toNanos();
        for (int i = free; i < count && wait < max; i++) {
          wait *= 2;
        }
        until = now + Math.min(wait, max);
      }
    }

    /** Takes one failure back; true when nothing is left to remember. */
    synchronized boolean undo() {
      count = Math.max(0, count - 1);
      return count == 0;
    }

    synchronized long waitAt(long now) {
      return Math.max(0, until - now);
    }

    synchronized boolean forgottenAt(long now) {
      return now - last > config.forgetAfter().toNanos() && until - now <= 0;
    }
  }
}
