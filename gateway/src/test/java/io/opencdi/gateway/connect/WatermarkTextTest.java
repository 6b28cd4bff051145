package io.opencdi.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatermarkTextTest {
  @Test
  void userAndDesktopAreFilledInAndTimeIsLeftForTheDesktop() {
    assertThat(WatermarkText.fill("{user} on {desktop} at {time} ({user})", "alice", "figures"))
        .isEqualTo("alice on figures at {time} (alice)");
  }

  @Test
  void noPatternIsNoWatermark() {
    assertThat(WatermarkText.fill(null, "alice", "figures")).isNull();
    assertThat(WatermarkText.fill("  ", "alice", "figures")).isNull();
  }

  @Test
  void namesAreDrawnAsTypedNotReadAsPlaceholders() {
    assertThat(WatermarkText.fill("{user}: {desktop}", "{desktop}", "x")).isEqualTo("{desktop}: x");
    assertThat(WatermarkText.fill("{users} {desk}", "alice", "x")).isEqualTo("{users} {desk}");
  }
}
