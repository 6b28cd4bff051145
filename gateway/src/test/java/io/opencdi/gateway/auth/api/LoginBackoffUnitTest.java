package io.opencdi.gateway.auth.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.gateway.common.RateLimitedException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The waits of the sign-in backoff, on a clock the test moves. */
class LoginBackoffUnitTest {
  private final AtomicLong now = new AtomicLong(0);
  private final LoginBackoff backoff =
      new LoginBackoff(
          new LoginBackoffConfig() {
            @Override
            public int userFreeFailures() {
              return 2;
            }

            @Override
            public int addressFreeFailures() {
              return 100;
            }

            @Override
            public Duration firstWait() {
              return Duration.ofSeconds(1);
            }

            @Override
            public Duration maxWait() {
              return Duration.ofSeconds(5);
            }

            @Override
            public Duration forgetAfter() {
              return Duration.ofMinutes(1);
            }
          },
          now::get);

  /** One failed attempt by alice: 0 when admitted (and counted), else the retry hint. */
  private long refusedFor() {
    try {
      backoff.attempt("alice", "10.0.0.1");
    } catch (RateLimitedException e) {
      return e.retryAfterSeconds();
    }
    return 0;
  }

  private void advance(long seconds) {
    now.addAndGet(Duration.ofSeconds(seconds).toNanos());
  }

  @Test
  void eachFailureBeyondTheFreeOnesDoublesTheWaitUpToTheMaximum() {
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).as("the second failure starts the waits").isZero();
    assertThat(refusedFor()).isEqualTo(1);
    advance(1);
    assertThat(refusedFor()).as("the wait is over: admitted, and counted").isZero();
    assertThat(refusedFor()).isEqualTo(2);
    advance(2);
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).isEqualTo(4);
    advance(4);
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).as("at most the maximum").isEqualTo(5);
  }

  @Test
  void aSuccessClearsTheNameAndAQuietWhileForgets() {
    backoff.attempt("alice", "10.0.0.1");
    backoff.attempt("Alice", "10.0.0.1");
    assertThat(refusedFor()).as("the name is matched whatever its case").isPositive();
    advance(1);
    backoff.attempt("alice", "10.0.0.1");
    backoff.succeeded("alice", "10.0.0.1");
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).as("two new failures after the success").isPositive();

    advance(120);
    assertThat(refusedFor()).as("forgotten after a quiet while").isZero();
    assertThat(refusedFor()).isZero();
    assertThat(refusedFor()).isPositive();
  }

  @Test
  void oneNamesWaitLeavesOtherNamesAloneButFollowsTheNameToOtherAddresses() {
    backoff.attempt("alice", "10.0.0.1");
    backoff.attempt("alice", "10.0.0.1");
    assertThatThrownBy(() -> backoff.attempt("alice", "10.0.0.2"))
        .isInstanceOf(RateLimitedException.class);
    backoff.attempt("bob", "10.0.0.1");
  }
}
