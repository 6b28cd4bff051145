package io.opencdi.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.desktop.DesktopReport;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReportQueueTest {
  /** An applier whose batches finish only when the test says so. */
  private static final class Applier {
    final List<List<DesktopReport>> batches = new CopyOnWriteArrayList<>();
    final List<UniEmitter<? super Void>> open = new CopyOnWriteArrayList<>();

    Uni<Void> apply(List<DesktopReport> batch) {
      batches.add(List.copyOf(batch));
      return Uni.createFrom().emitter(open::add);
    }

    void finishNext() {
      open.remove(0).complete(null);
    }
  }

  private static DesktopReport report(int n) {
    return new DesktopReport.Observed(
        new DesktopStatus("d" + n, "c", "n", DesktopState.RUNNING, null, n));
  }

  @Test
  void reportsArrivingDuringABatchFormTheNextOneInArrivalOrder() {
    Applier applier = new Applier();
    ReportQueue queue = new ReportQueue(applier::apply, 3);

    queue.add(report(0)); // starts at once, alone
    for (int i = 1; i <= 5; i++) {
      queue.add(report(i)); // wait while the first batch runs
    }
    assertThat(applier.batches).hasSize(1);
    assertThat(queue.waiting()).isEqualTo(5);

    applier.finishNext();
    applier.finishNext();
    applier.finishNext();

    assertThat(applier.batches)
        .containsExactly(
            List.of(report(0)),
            List.of(report(1), report(2), report(3)),
            List.of(report(4), report(5)));
    assertThat(queue.waiting()).isZero();
  }

  @Test
  void addAllCompletesOnceEverythingQueuedBeforeIsApplied() {
    Applier applier = new Applier();
    ReportQueue queue = new ReportQueue(applier::apply, 10);
    queue.add(report(0));
    AtomicBoolean done = new AtomicBoolean();
    queue.addAll(List.of(report(1), report(2))).subscribe().with(v -> done.set(true));
    AtomicBoolean barrier = new AtomicBoolean();
    queue.addAll(List.of()).subscribe().with(v -> barrier.set(true));

    assertThat(done).isFalse();
    applier.finishNext();
    assertThat(done).isFalse();
    applier.finishNext();
    assertThat(done).isTrue();
    assertThat(barrier).isTrue();
    assertThat(applier.batches).containsExactly(List.of(report(0)), List.of(report(1), report(2)));
  }

  @Test
  void aFailedBatchDoesNotStopTheQueue() {
    List<List<DesktopReport>> applied = new ArrayList<>();
    ReportQueue queue =
        new ReportQueue(
            batch -> {
              applied.add(batch);
              return applied.size() == 1
                  ? Uni.createFrom().failure(new IllegalStateException("database gone"))
                  : Uni.createFrom().voidItem();
            },
            10);

    queue.add(report(0));
    queue.add(report(1));

    await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 2);
    assertThat(applied).containsExactly(List.of(report(0)), List.of(report(1)));
    assertThat(queue.waiting()).isZero();
  }
}
