package io.opencdi.gateway.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.pool.PoolPlan.Member;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PoolPlanTest {
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-06T10:00:00Z");

  private static Member member(int n, DesktopState state, DesktopHealth health) {
    return new Member(new UUID(0, n), state, health, T0.plusSeconds(n));
  }

  @Test
  void anEmptyPoolCreatesItsWholeSize() {
    assertThat(PoolPlan.of(5, List.of())).isEqualTo(new PoolPlan(5, List.of()));
  }

  @Test
  void membersOnTheirWayUpCountAsUseful() {
    List<Member> members =
        List.of(
            member(1, DesktopState.RUNNING, DesktopHealth.OK),
            member(2, DesktopState.STARTING, DesktopHealth.OK),
            member(3, DesktopState.PENDING, DesktopHealth.OK));
    assertThat(PoolPlan.of(4, members)).isEqualTo(new PoolPlan(1, List.of()));
  }

  @Test
  void failedStoppedAndDegradedMembersAreReplaced() {
    Member failed = member(1, DesktopState.FAILED, DesktopHealth.OK);
    Member stopped = member(2, DesktopState.STOPPED, DesktopHealth.OK);
    Member degraded = member(3, DesktopState.RUNNING, DesktopHealth.DEGRADED);
    Member fine = member(4, DesktopState.RUNNING, DesktopHealth.OK);
    PoolPlan plan = PoolPlan.of(2, List.of(failed, stopped, degraded, fine));
    assertThat(plan.create()).isEqualTo(1);
    assertThat(plan.delete()).containsExactlyInAnyOrder(failed.id(), stopped.id(), degraded.id());
  }

  @Test
  void beyondTheSizeStartingMembersGoFirstThenTheNewestRunning() {
    Member oldRunning = member(1, DesktopState.RUNNING, DesktopHealth.OK);
    Member newRunning = member(5, DesktopState.RUNNING, DesktopHealth.OK);
    Member starting = member(2, DesktopState.STARTING, DesktopHealth.OK);
    PoolPlan one = PoolPlan.of(1, List.of(newRunning, starting, oldRunning));
    assertThat(one.create()).isZero();
    assertThat(one.delete()).containsExactlyInAnyOrder(starting.id(), newRunning.id());
    assertThat(PoolPlan.of(0, List.of(oldRunning)).delete()).containsExactly(oldRunning.id());
  }

  @Test
  void membersMadeBeforeTheirTemplateChangedAreReplaced() {
    Member stale = new Member(new UUID(0, 1), DesktopState.RUNNING, DesktopHealth.OK, T0, false);
    Member fine = member(2, DesktopState.RUNNING, DesktopHealth.OK);
    assertThat(PoolPlan.of(2, List.of(stale, fine)))
        .isEqualTo(new PoolPlan(1, List.of(stale.id())));
  }
}
