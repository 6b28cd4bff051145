package io.opencdi.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.PrintJob;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldPrintsTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void jobsComeBackOldestFirstAndOnlyOnce() {
    HeldPrints held = new HeldPrints();
    PrintJob first = job("a.pdf", NOW - 2_000);
    PrintJob second = job("b.pdf", NOW - 1_000);
    held.hold(first);
    held.hold(second);

    assertThat(held.release(NOW)).containsExactly(first, second);
    assertThat(held.release(NOW)).isEmpty();
  }

  @Test
  void jobsOlderThanTheLimitWhenTheLinkReturnsAreDropped() {
    HeldPrints held = new HeldPrints();
    long limit = HeldPrints.MAX_AGE.toMillis();
    PrintJob tooOld = job("old.pdf", NOW - limit - 1);
    PrintJob justInTime = job("edge.pdf", NOW - limit);
    held.hold(tooOld);
    held.hold(justInTime);

    assertThat(held.release(NOW)).containsExactly(justInTime);
  }

  @Test
  void aDesktopPrintingWithoutEndKeepsOnlyTheNewestJobs() {
    HeldPrints held = new HeldPrints();
    int printed = HeldPrints.MAX + 25;
    IntStream.range(0, printed).forEach(i -> held.hold(job(i + ".pdf", NOW)));

    List<PrintJob> released = held.release(NOW);
    assertThat(released).hasSize(HeldPrints.MAX);
    assertThat(released.get(0).name()).isEqualTo("25.pdf");
    assertThat(released.get(HeldPrints.MAX - 1).name()).isEqualTo((printed - 1) + ".pdf");
  }

  private static PrintJob job(String name, long at) {
    return new PrintJob("d-1", "bj-1", name, 100, at);
  }
}
