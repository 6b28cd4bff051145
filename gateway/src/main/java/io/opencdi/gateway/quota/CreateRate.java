package io.opencdi.gateway.quota;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.common.RateLimitedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How fast each user may ask for new desktops and snapshots: a token bucket per user on this
 * replica. A request beyond it is refused with {@code RATE_LIMITED} and a retry hint before it
 * reads or writes anything.
 */
@ApplicationScoped
public class CreateRate {
  /** Buckets beyond this many are swept of full ones (users who stopped creating). */
  private static final int SWEEP_ABOVE = 10_000;

  private final long burst;
  private final double tokensPerNano;
  private final LongSupplier clock;
  private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

  @Inject
  public CreateRate(QuotaConfig config) {
    this(config.createRate().burst(), config.createRate().perMinute(), System::nanoTime);
  }

  CreateRate(int burst, int perMinute, LongSupplier clock) {
    this.burst = Math.max(1, burst);
    this.tokensPerNano = Math.max(1, perMinute) / (double) Duration.ofMinutes(1).toNanos();
    this.clock = clock;
  }

  /** Takes one creation from the caller's bucket, or refuses with {@code RATE_LIMITED}. */
  public Caller take(Caller caller) {
    long now = clock.getAsLong();
    if (buckets.size() > SWEEP_ABOVE) {
      buckets.values().removeIf(b -> b.fullAt(now));
    }
    Bucket bucket = buckets.computeIfAbsent(caller.userId(), id -> new Bucket(burst, now));
    long waitNanos = bucket.take(now);
    if (waitNanos > 0) {
      throw new RateLimitedException(
          "too many creations in a short time: "
              + caller.username()
              + " may create "
              + burst
              + " at once and then "
              + Math.round(tokensPerNano * Duration.ofMinutes(1).toNanos())
              + " per minute; nothing was created, retry later",
          Duration.ofNanos(waitNanos));
    }
    return caller;
  }

  private final class Bucket {
    private double tokens;
    private long updated;

    Bucket(long tokens, long now) {
      this.tokens = tokens;
      this.updated = now;
    }

    /** 0 when a token was taken, else how long until one is there. */
    synchronized long take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerNano));
    }

    synchronized boolean fullAt(long now) {
      refill(now);
      return tokens >= burst;
    }

    private void refill(long now) {
      tokens = Math.min(burst, tokens + (now - updated) * tokensPerNano);
      updated = now;
    }
  }
}
