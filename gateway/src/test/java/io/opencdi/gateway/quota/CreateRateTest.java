package io.opencdi.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.common.RateLimitedException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-user token bucket, on a clock the test moves. */
class CreateRateTest {
  private final AtomicLong now = new AtomicLong(0);
  private final CreateRate rate = new CreateRate(3, 6, now::get); // one token every 10 s
  private final Caller alice = new Caller(UUID.randomUUID(), "alice", false);
  private final Caller bob = new Caller(UUID.randomUUID(), "bob", false);

  @Test
  void aBurstIsAllowedThenRefusedWithAHintUntilATokenIsBack() {
    for (int i = 0; i < 3; i++) {
      rate.take(alice);
    }
    assertThatThrownBy(() -> rate.take(alice))
        .isInstanceOfSatisfying(
            RateLimitedException.class,
            e -> {
              assertThat(e.retryAfterSeconds()).isEqualTo(10);
              assertThat(e.getExtensions()).containsEntry("retryAfterSeconds", 10L);
            });
    // Bob's bucket is his own.
    rate.take(bob);

    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThatThrownBy(() -> rate.take(alice))
        .isInstanceOfSatisfying(
            RateLimitedException.class, e -> assertThat(e.retryAfterSeconds()).isEqualTo(1));
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    rate.take(alice);
    assertThatThrownBy(() -> rate.take(alice)).isInstanceOf(RateLimitedException.class);
  }

  @Test
  void aQuietWhileRefillsNoMoreThanTheBurst() {
    now.addAndGet(Duration.ofHours(1).toNanos());
    for (int i = 0; i < 3; i++) {
      rate.take(alice);
    }
    assertThatThrownBy(() -> rate.take(alice)).isInstanceOf(RateLimitedException.class);
  }
}
