package io.opencdi.placement.scheduler;

import static io.opencdi.placement.Fixtures.NOW;
import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.registry.Profile;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AssumeCacheTest {

  private static final Placement A1 = new Placement("a", "ng-1");
  private static final long LATER = NOW + 30_000;

  private final AssumeCache cache = new AssumeCache();
  private final Snapshot base =
      snapshot(
          cluster("a").groups(group("ng-1", 8000, 16_384), group("ng-2", 8000, 16_384)).build());

  private NodeGroup a1(Snapshot snapshot) {
    return snapshot.cluster("a").orElseThrow().nodeGroup("ng-1").orElseThrow();
  }

  @Test
  void heldReservationsAreTakenFromTheBaseSnapshot() {
    cache.assume("r1", A1, 2000, 4096, LATER);
    cache.assume("r2", A1, 1000, 1024, LATER);

    NodeGroup group = a1(cache.applyTo(base));

    assertThat(group.usedCpuMillis()).isEqualTo(3000);
    assertThat(group.usedMemoryMiB()).isEqualTo(5120);
    assertThat(group.usedDesktops()).isEqualTo(2);
    assertThat(a1(base).usedCpuMillis()).isZero();
  }

  @Test
  void confirmAndReleaseEndAReservation() {
    cache.assume("started", A1, 2000, 4096, LATER);
    cache.assume("failed", A1, 1000, 1024, LATER);

    assertThat(cache.confirm("started")).isTrue();
    assertThat(cache.release("failed")).isTrue();
    assertThat(cache.confirm("started")).isFalse();
    assertThat(cache.release("unknown")).isFalse();
    assertThat(cache.size()).isZero();
    assertThat(cache.applyTo(base)).isEqualTo(base);
  }

  @Test
  void expireDropsReservationsPastTheirTtl() {
    cache.assume("old", A1, 1000, 1024, NOW - 1);
    cache.assume("due", A1, 1000, 1024, NOW);
    cache.assume("fresh", A1, 1000, 1024, LATER);

    assertThat(cache.expire(NOW)).isEqualTo(2);
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.expire(NOW)).isZero();
  }

  @Test
  void applyToIgnoresReservationsExpiredAtTheSnapshotClockAndUnknownPlacements() {
    cache.assume("expired", A1, 1000, 1024, NOW);
    cache.assume("gone-cluster", new Placement("zzz", "ng-1"), 1000, 1024, LATER);
    cache.assume("gone-group", new Placement("a", "ng-9"), 1000, 1024, LATER);

    assertThat(cache.applyTo(base)).isEqualTo(base);
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void assumingTheSameReservationTwiceIsRefused() {
    cache.assume("r1", A1, 1000, 1024, LATER);
    assertThatThrownBy(() -> cache.assume("r1", A1, 1000, 1024, LATER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("r1");
  }

  @Test
  void backToBackCyclesNeverHandOutTheSameCapacity() {
    // One slot left; the agent has not yet reported the first desktop when the second cycle runs.
    Snapshot reported =
        snapshot(
            cluster("a").groups(new NodeGroup("ng-1", "amd64", 8000, 16_384, 1, 0, 0, 0)).build());
    Scheduler scheduler = new Scheduler(Profile.defaults());
    DesktopRequest desktop = request().build();

    Decision first = scheduler.schedule(cache.applyTo(reported), desktop);
    cache.assume("d1", ((Decision.Scheduled) first).placement(), 1000, 2048, LATER);
    Decision second = scheduler.schedule(cache.applyTo(reported), desktop);

    assertThat(second).isInstanceOf(Decision.Unschedulable.class);
    cache.release("d1");
    assertThat(scheduler.schedule(cache.applyTo(reported), desktop))
        .isInstanceOf(Decision.Scheduled.class);
  }

  @Test
  void concurrentAssumesAreAllKept() throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 1000; i++) {
      String id = "r" + i;
      pool.execute(() -> cache.assume(id, A1, 1, 1, LATER));
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(cache.size()).isEqualTo(1000);
    assertThat(a1(cache.applyTo(base)).usedDesktops()).isEqualTo(1000);
  }
}
