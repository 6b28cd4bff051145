package io.opencdi.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesWithJitterUpToTheMaximumAndResets() {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), new Random(7));

    long[] ceilings = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (long ceiling : ceilings) {
      assertThat(backoff.next().toMillis()).isBetween(ceiling / 2, ceiling);
    }
    backoff.reset();
    assertThat(backoff.next().toMillis()).isBetween(250L, 500L);
    backoff.exhaust();
    assertThat(backoff.next().toMillis()).isBetween(15_000L, 30_000L);
  }

  @Test
  void jitterSpreadsAgentsThatRetryTogether() {
    Backoff a = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), new Random(1));
    Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), new Random(2));
    for (int i = 0; i < 5; i++) {
      a.next();
      b.next();
    }
    assertThat(a.next()).isNotEqualTo(b.next());
  }
}
