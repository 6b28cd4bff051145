package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FlushPacingTest {
  private static final long MS = 1_000_000;

  @Test
  void aConnectionThatHasNotWrittenWritesAtOnce() {
    FlushPacing pacing = new FlushPacing(20 * MS);
    assertThat(pacing.delay(5 * MS)).isZero();
  }

  @Test
  void aMessageSoonAfterAWriteWaitsForTheRestOfTheInterval() {
    FlushPacing pacing = new FlushPacing(20 * MS);
    pacing.flushed(100 * MS);
    assertThat(pacing.delay(100 * MS)).isEqualTo(20 * MS);
    assertThat(pacing.delay(115 * MS)).isEqualTo(5 * MS);
    assertThat(pacing.delay(120 * MS)).isZero();
    assertThat(pacing.delay(500 * MS)).isZero();
  }

  @Test
  void nanoTimeThatWrapsAroundStillPaces() {
    FlushPacing pacing = new FlushPacing(20 * MS);
    long beforeWrap = Long.MAX_VALUE - 5 * MS;
    pacing.flushed(beforeWrap);
    assertThat(pacing.delay(beforeWrap + 10 * MS)).isEqualTo(10 * MS); // wrapped to negative
    assertThat(pacing.delay(beforeWrap + 25 * MS)).isZero();
  }

  @Test
  void noIntervalNeverWaitsAndANegativeOneIsRefused() {
    FlushPacing pacing = new FlushPacing(0);
    pacing.flushed(7);
    assertThat(pacing.delay(7)).isZero();
    assertThatThrownBy(() -> new FlushPacing(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
