package io.opencdi.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatermarkTest {
  @Test
  void onePrintableLineIsDrawn() {
    assertThat(Watermark.of(" alice on figures at {time} ")).contains("alice on figures at {time}");
    assertThat(Watermark.of("Zoë · 王")).contains("Zoë · 王");
  }

  @Test
  void anythingElseDrawsNothing() {
    assertThat(Watermark.of(null)).isEmpty();
    assertThat(Watermark.of(" ")).isEmpty();
    assertThat(Watermark.of("two\nlines")).isEmpty();
    assertThat(Watermark.of("escape \u001b[2J")).isEmpty();
    assertThat(Watermark.of("right-to-left \u202e override")).isEmpty();
    assertThat(Watermark.of("x".repeat(Watermark.MAX_CHARS + 1))).isEmpty();
    assertThat(Watermark.of("x".repeat(Watermark.MAX_CHARS))).isPresent();
  }
}
