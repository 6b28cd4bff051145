package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriteBacklogTest {
  @Test
  void theFanOutGoesOnAtOnceWhileFewWritesAreQueued() {
    WriteBacklog backlog = new WriteBacklog(2, TimeUnit.MINUTES.toNanos(1));
    backlog.queued();
    backlog.awaitRoom(); // one queued, limit two: returns at once, or the test times out
    assertThat(backlog.size()).isEqualTo(1);
  }

  @Test
  void theFanOutWaitsWhileTheLoopsHaveTheLimitQueuedAndGoesOnWhenOneRuns() throws Exception {
    WriteBacklog backlog = new WriteBacklog(2, TimeUnit.MINUTES.toNanos(1));
    backlog.queued();
    backlog.queued();
    CompletableFuture<Void> fanOut = CompletableFuture.runAsync(backlog::awaitRoom);
    Thread.sleep(200);
    assertThat(fanOut).as("waiting for a loop to run a write").isNotDone();
    backlog.ran();
    fanOut.get(30, TimeUnit.SECONDS);
    assertThat(backlog.size()).isEqualTo(1);
  }

  @Test
  void aWaitEndsAfterTheLongestWaitEvenIfNoWriteRuns() throws Exception {
    WriteBacklog backlog = new WriteBacklog(1, TimeUnit.MILLISECONDS.toNanos(50));
    backlog.queued();
    CompletableFuture.runAsync(backlog::awaitRoom).get(30, TimeUnit.SECONDS);
    assertThat(backlog.size()).isEqualTo(1);
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> new WriteBacklog(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
