package io.opencdi.gateway.connect.audio;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.AudioCodec;
import org.junit.jupiter.api.Test;

/** What the broker takes from a viewer's audio WebSocket (ADR 0044). */
class AudioRelayTest {
  @Test
  void aPacketPassesOnlyWhereTheTemplateAllowsAMicrophone() {
    assertThat(AudioRelay.check(true, true, 80)).isNull();
    assertThat(AudioRelay.check(true, true, AudioCodec.MAX_PACKET_BYTES)).isNull();
    assertThat(AudioRelay.check(false, true, 80).code()).isEqualTo(AudioCodec.MICROPHONE_REFUSED);
  }

  @Test
  void aViewerWithSoundOffIsNotTakenForADeadDesktop() {
    long idle = 30_000_000_000L;
    assertThat(AudioRelay.silentTooLong(false, idle + 1, idle)).isTrue();
    assertThat(AudioRelay.silentTooLong(false, idle, idle)).isFalse();
    assertThat(AudioRelay.silentTooLong(true, 10 * idle, idle)).isFalse();
  }

  @Test
  void onlyASwitchThatChangesTheSoundReachesTheAgentAndAFloodIsRefused() {
    // A tunnel starts with sound on.
    assertThat(AudioRelay.onSwitch(false, false, false)).isEqualTo(AudioRelay.Switch.SAME);
    assertThat(AudioRelay.onSwitch(false, true, false)).isEqualTo(AudioRelay.Switch.PASS);
    assertThat(AudioRelay.onSwitch(true, true, false)).isEqualTo(AudioRelay.Switch.SAME);
    assertThat(AudioRelay.onSwitch(true, false, false)).isEqualTo(AudioRelay.Switch.PASS);
    // Switches faster than the agent takes them: refused, not queued.
    assertThat(AudioRelay.onSwitch(true, false, true)).isEqualTo(AudioRelay.Switch.FLOOD);
    assertThat(AudioRelay.onSwitch(false, true, true)).isEqualTo(AudioRelay.Switch.FLOOD);
    // A repeat is ignored even then: it asks for nothing.
    assertThat(AudioRelay.onSwitch(true, true, true)).isEqualTo(AudioRelay.Switch.SAME);
  }

  @Test
  void whatIsNoPacketIsRefusedWhateverThePolicy() {
    for (boolean microphone : new boolean[] {true, false}) {
      assertThat(AudioRelay.check(microphone, false, 0).code()).isEqualTo(AudioCodec.NOT_A_PACKET);
      assertThat(AudioRelay.check(microphone, true, 0).code()).isEqualTo(AudioCodec.NOT_A_PACKET);
      assertThat(AudioRelay.check(microphone, true, AudioCodec.MAX_PACKET_BYTES + 1).code())
          .isEqualTo(AudioCodec.NOT_A_PACKET);
    }
  }
}
