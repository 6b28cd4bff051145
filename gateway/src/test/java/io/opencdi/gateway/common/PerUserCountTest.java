package io.opencdi.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One user's bound leaves other users alone, and what is given back can be taken again. */
class PerUserCountTest {
  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");

  @Test
  void aUserHoldsAtMostTheBoundAndAReleaseMakesRoom() {
    PerUserCount count = new PerUserCount();
    assertThat(count.take(ALICE, 2)).isTrue();
    assertThat(count.take(ALICE, 2)).isTrue();
    assertThat(count.take(ALICE, 2)).isFalse();
    assertThat(count.of(ALICE)).isEqualTo(2);
    assertThat(count.take(BOB, 2)).as("another user's own count").isTrue();
    count.release(ALICE);
    assertThat(count.take(ALICE, 2)).isTrue();
    count.release(ALICE);
    count.release(ALICE);
    count.release(ALICE); // more releases than takes leave nothing negative
    assertThat(count.of(ALICE)).isZero();
    assertThat(count.take(ALICE, 1)).isTrue();
  }
}
