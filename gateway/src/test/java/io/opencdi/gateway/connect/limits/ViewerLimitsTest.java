package io.opencdi.gateway.connect.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.connect.DisplayCloseCodes;
import io.opencdi.gateway.connect.rfb.ClipboardRules;
import io.opencdi.gateway.connect.rfb.RfbInspector;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The time-limit rules of a viewer connection, without a server: who is idle, what closes when. */
class ViewerLimitsTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

  @Test
  void aViewerWithoutInputIsClosedAtItsIdleLimitAndNotBefore() {
    ViewerLimits limits = new ViewerLimits(15, null, MINUTE);
    assertThat(limits.judge(T0.plus(Duration.ofMinutes(14)), T0))
        .isEqualTo(new ViewerLimits.Keep(T0.plus(Duration.ofMinutes(15))));
    assertThat(limits.judge(T0.plus(Duration.ofMinutes(15)), T0))
        .isInstanceOfSatisfying(
            ViewerLimits.Close.class,
            c -> {
              assertThat(c.code()).isEqualTo(DisplayCloseCodes.INPUT_IDLE);
              assertThat(c.reason()).contains("15 minutes without keyboard or mouse input");
            });
  }

  @Test
  void inputMovesTheIdleLimitOn() {
    ViewerLimits limits = new ViewerLimits(15, null, MINUTE);
    Instant input = T0.plus(Duration.ofMinutes(10));
    assertThat(limits.judge(T0.plus(Duration.ofMinutes(20)), input))
        .isEqualTo(new ViewerLimits.Keep(input.plus(Duration.ofMinutes(15))));
  }

  @Test
  void theSessionEndsAtItsTimeWhateverTheInput() {
    Instant ends = ViewerLimits.endsAt(T0, 480, MINUTE);
    assertThat(ends).isEqualTo(T0.plus(Duration.ofHours(8)));
    ViewerLimits limits = new ViewerLimits(15, ends, MINUTE);
    Instant now = ends.minusSeconds(60);
    // Input a moment ago: the idle limit is further away than the session's end.
    assertThat(limits.judge(now, now)).isEqualTo(new ViewerLimits.Keep(ends));
    assertThat(limits.judge(ends, ends))
        .isInstanceOfSatisfying(
            ViewerLimits.Close.class,
            c -> assertThat(c.code()).isEqualTo(DisplayCloseCodes.SESSION_LIMIT));
  }

  @Test
  void withoutLimitsNothingIsEverClosedNorChecked() {
    ViewerLimits none = new ViewerLimits(null, ViewerLimits.endsAt(T0, null, MINUTE), MINUTE);
    assertThat(none.any()).isFalse();
    assertThat(none.judge(T0.plus(Duration.ofDays(365)), T0))
        .isEqualTo(new ViewerLimits.Keep(null));
  }

  @Test
  void theMinuteIsConfigurableForTests() {
    ViewerLimits limits = new ViewerLimits(2, null, Duration.ofSeconds(1));
    assertThat(limits.judge(T0.plusMillis(1999), T0)).isInstanceOf(ViewerLimits.Keep.class);
    assertThat(limits.judge(T0.plusSeconds(2), T0)).isInstanceOf(ViewerLimits.Close.class);
  }

  @Test
  void onlyKeysPointerAndPasteCountAsInputNotUpdateRequests() {
    MutableClock clock = new MutableClock(T0);
    RfbInspector inspector = new RfbInspector(new ClipboardRules(true, true, 1024), clock);
    Buffer handshake =
        Buffer.buffer("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII))
            .appendByte((byte) 1) // security type None
            .appendByte((byte) 1); // ClientInit: shared
    inspector.fromViewer(handshake);
    assertThat(inspector.lastInput()).isEqualTo(T0);

    clock.now = T0.plusSeconds(10);
    // SetEncodings (Raw) and a FramebufferUpdateRequest: not input.
    inspector.fromViewer(Buffer.buffer().appendBytes(new byte[] {2, 0, 0, 1}).appendInt(0));
    inspector.fromViewer(Buffer.buffer().appendBytes(new byte[] {3, 1, 0, 0, 0, 0, 0, 10, 0, 10}));
    assertThat(inspector.lastInput()).isEqualTo(T0);

    clock.now = T0.plusSeconds(20);
    inspector.fromViewer(Buffer.buffer().appendBytes(new byte[] {5, 0, 0, 5, 0, 5}));
    assertThat(inspector.lastInput()).as("PointerEvent").isEqualTo(T0.plusSeconds(20));

    clock.now = T0.plusSeconds(30);
    inspector.fromViewer(Buffer.buffer().appendBytes(new byte[] {4, 1, 0, 0}).appendInt(0x61));
    assertThat(inspector.lastInput()).as("KeyEvent").isEqualTo(T0.plusSeconds(30));
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
