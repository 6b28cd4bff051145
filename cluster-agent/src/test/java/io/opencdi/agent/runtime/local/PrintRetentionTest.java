package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.agent.runtime.local.PrintRetention.Print;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which PDFs a prints folder gives up: the oldest, until the newest fit both bounds. */
class PrintRetentionTest {
  private static final long MIB = 1L << 20;

  private final PrintRetention threeOrThreeMib = new PrintRetention(3, 3 * MIB);

  @Test
  void withinBothBoundsNothingGoes() {
    assertThat(threeOrThreeMib.toRemove(List.of())).isEmpty();
    assertThat(
            threeOrThreeMib.toRemove(
                List.of(new Print("a.pdf", MIB, 1), new Print("b.pdf", MIB, 2))))
        .isEmpty();
  }

  @Test
  void beyondTheCountTheOldestGoFirstWhateverTheOrderFound() {
    List<Print> prints =
        List.of(
            new Print("c.pdf", 10, 300),
            new Print("e.pdf", 10, 500),
            new Print("a.pdf", 10, 100),
            new Print("d.pdf", 10, 400),
            new Print("b.pdf", 10, 200));

    assertThat(threeOrThreeMib.toRemove(prints)).containsExactly("a.pdf", "b.pdf");
  }

  @Test
  void theSameTimeIsOrderedByName() {
    List<Print> prints =
        List.of(
            new Print("2026-12-07T10-00-00Z-job-2.pdf", 10, 1_000),
            new Print("2026-12-07T10-00-00Z-job-1.pdf", 10, 1_000),
            new Print("2026-12-07T10-00-00Z-job-4.pdf", 10, 1_000),
            new Print("2026-12-07T10-00-00Z-job-3.pdf", 10, 1_000));

    assertThat(threeOrThreeMib.toRemove(prints)).containsExactly("2026-12-07T10-00-00Z-job-1.pdf");
  }

  @Test
  void beyondTheBytesTheOldestGoUntilTheRestFits() {
    List<Print> prints =
        List.of(
            new Print("old.pdf", MIB, 1),
            new Print("middle.pdf", 2 * MIB, 2),
            new Print("new.pdf", MIB, 3));

    assertThat(threeOrThreeMib.toRemove(prints)).containsExactly("old.pdf");
  }

  @Test
  void anOlderSmallPrintNeverOutlivesANewerOneThatDidNotFit() {
    List<Print> prints =
        List.of(
            new Print("small-old.pdf", 1, 1),
            new Print("big.pdf", 2 * MIB, 2),
            new Print("new.pdf", 2 * MIB, 3));

    assertThat(threeOrThreeMib.toRemove(prints)).containsExactly("small-old.pdf", "big.pdf");
  }

  @Test
  void aPrintLargerThanTheBoundGoesEvenWhenNewest() {
    List<Print> prints = List.of(new Print("old.pdf", 1, 1), new Print("huge.pdf", 3 * MIB + 1, 2));

    assertThat(threeOrThreeMib.toRemove(prints)).containsExactly("old.pdf", "huge.pdf");
  }

  @Test
  void boundsThatWouldRemoveEveryPrintAreRefused() {
    assertThatThrownBy(() -> new PrintRetention(0, MIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prints-max-count");
    assertThatThrownBy(() -> new PrintRetention(100, 256))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prints-max-bytes");
    assertThat(PrintRetention.DEFAULTS).isEqualTo(new PrintRetention(100, 256 * MIB));
  }
}
