package io.opencdi.gateway.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.pool.Reclaim.Idle;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReclaimTest {
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-06T10:00:00Z");

  private static Idle idle(int n, boolean running, long cpu, long memory) {
    return new Idle(new UUID(0, n), running, cpu, memory, T0.plusSeconds(n));
  }

  @Test
  void nothingWantedReleasesNothing() {
    assertThat(Reclaim.choose(0, 0, List.of(idle(1, true, 1000, 1024)))).isEmpty();
  }

  @Test
  void startingMembersThenTheNewestRunningUntilCpuAndMemoryAreBothCovered() {
    Idle oldest = idle(1, true, 1000, 1024);
    Idle newest = idle(3, true, 1000, 1024);
    Idle starting = idle(2, false, 1000, 1024);
    // 1,500m CPU needs two members; 3 GiB of memory needs a third.
    assertThat(Reclaim.choose(1500, 0, List.of(oldest, newest, starting)))
        .containsExactly(starting.id(), newest.id());
    assertThat(Reclaim.choose(1500, 3000, List.of(oldest, newest, starting)))
        .containsExactly(starting.id(), newest.id(), oldest.id());
  }

  @Test
  void moreWantedThanIdleReleasesAllThereIs() {
    List<Idle> all = List.of(idle(1, true, 1000, 1024), idle(2, true, 1000, 1024));
    assertThat(Reclaim.choose(10_000, 0, all)).hasSize(2);
  }
}
