package io.opencdi.gateway.connect.rfb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The inspector follows RFB however the bytes are cut into WebSocket frames: a display's stream fed
 * one byte at a time loses exactly the refused cut text and nothing else.
 */
class RfbInspectorTest {
  private static final ClipboardRules TO_DESKTOP_ONLY = new ClipboardRules(true, false, 64);

  private static Buffer handshake(RfbInspector inspector) {
    Buffer fromViewer = Buffer.buffer();
    fromViewer.appendString("RFB 003.008\n").appendByte((byte) 1).appendByte((byte) 1);
    assertThat(inspector.fromViewer(fromViewer).getBytes()).isEqualTo(fromViewer.getBytes());
    Buffer fromDisplay = Buffer.buffer().appendString("RFB 003.008\n");
    fromDisplay.appendByte((byte) 2).appendByte((byte) 2).appendByte((byte) 1); // VncAuth, None
    fromDisplay.appendInt(0);
    Buffer serverInit = Buffer.buffer().appendShort((short) 4).appendShort((short) 2);
    serverInit.appendByte((byte) 32).appendBytes(new byte[15]).appendInt(4).appendString("desk");
    fromDisplay.appendBuffer(serverInit);
    Buffer passed = feedByteByByte(inspector, fromDisplay);
    Buffer expected = Buffer.buffer().appendString("RFB 003.008\n");
    expected.appendByte((byte) 1).appendByte((byte) 1).appendInt(0).appendBuffer(serverInit);
    assertThat(passed.getBytes()).as("only None offered").isEqualTo(expected.getBytes());
    return serverInit;
  }

  private static Buffer feedByteByByte(RfbInspector inspector, Buffer display) {
    Buffer out = Buffer.buffer();
    for (int i = 0; i < display.length(); i++) {
      out.appendBuffer(inspector.fromDesktop(display.getBuffer(i, i + 1)));
    }
    return out;
  }

  private static Buffer cutText(int type, String text) {
    byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
    return Buffer.buffer()
        .appendByte((byte) type)
        .appendBytes(new byte[3])
        .appendInt(b.length)
        .appendBytes(b);
  }

  @Test
  void aRefusedServerCutTextIsCutOutOfAStreamCutAnywhere() {
    RfbInspector inspector = new RfbInspector(TO_DESKTOP_ONLY);
    handshake(inspector);
    Buffer update =
        Buffer.buffer().appendByte((byte) 0).appendByte((byte) 0).appendShort((short) 2);
    update.appendShort((short) 0).appendShort((short) 0).appendShort((short) 2);
    update.appendShort((short) 1).appendInt(0).appendBytes(new byte[8]); // Raw 2x1, 32 bpp
    update.appendShort((short) 0).appendShort((short) 0).appendShort((short) 4);
    update.appendShort((short) 2).appendInt(-223); // DesktopSize, no data
    Buffer bell = Buffer.buffer().appendByte((byte) 2);
    Buffer display =
        Buffer.buffer()
            .appendBuffer(update)
            .appendBuffer(cutText(3, "secret"))
            .appendBuffer(bell)
            .appendBuffer(cutText(3, "also secret"))
            .appendBuffer(update);
    Buffer passed = feedByteByByte(inspector, display);
    Buffer expected = Buffer.buffer().appendBuffer(update).appendBuffer(bell).appendBuffer(update);
    assertThat(passed.getBytes()).isEqualTo(expected.getBytes());
    assertThat(inspector.droppedCutTexts()).isEqualTo(2);
  }

  @Test
  void setEncodingsKeepsOnlyEncodingsTheBrokerCanFollow() {
    RfbInspector inspector = new RfbInspector(TO_DESKTOP_ONLY);
    handshake(inspector);
    Buffer set = Buffer.buffer().appendByte((byte) 2).appendByte((byte) 0).appendShort((short) 5);
    set.appendInt(7).appendInt(16).appendInt(0xC0A1E5CE).appendInt(0).appendInt(-314);
    Buffer out = inspector.fromViewer(set);
    Buffer expected = Buffer.buffer().appendByte((byte) 2).appendByte((byte) 0);
    expected.appendShort((short) 2).appendInt(16).appendInt(0);
    assertThat(out.getBytes()).isEqualTo(expected.getBytes());
  }

  @Test
  void clientCutTextPassesWithinTheLimitOnly() {
    RfbInspector inspector = new RfbInspector(new ClipboardRules(true, true, 4));
    handshake(inspector);
    Buffer small = cutText(6, "four");
    assertThat(inspector.fromViewer(small).getBytes()).isEqualTo(small.getBytes());
    assertThat(inspector.fromViewer(cutText(6, "fives")).length()).isZero();
    // A negative length is the extended clipboard format, never negotiated: dropped.
    Buffer extended =
        Buffer.buffer().appendByte((byte) 6).appendBytes(new byte[3]).appendInt(-4).appendInt(1);
    assertThat(inspector.fromViewer(extended).length()).isZero();
    Buffer key = Buffer.buffer().appendByte((byte) 4).appendBytes(new byte[7]);
    assertThat(inspector.fromViewer(key).getBytes()).isEqualTo(key.getBytes());
  }

  @Test
  void whatTheBrokerCannotFollowIsRefused() {
    RfbInspector unknown = new RfbInspector(TO_DESKTOP_ONLY);
    handshake(unknown);
    assertThatThrownBy(() -> unknown.fromViewer(Buffer.buffer().appendByte((byte) 99)))
        .isInstanceOf(RfbRefused.class);

    RfbInspector tight = new RfbInspector(TO_DESKTOP_ONLY);
    handshake(tight);
    Buffer rect = Buffer.buffer().appendByte((byte) 0).appendByte((byte) 0).appendShort((short) 1);
    rect.appendLong(0x0001000100000000L | 1 << 16).appendInt(7); // Tight
    assertThatThrownBy(() -> tight.fromDesktop(rect)).isInstanceOf(RfbRefused.class);

    RfbInspector version = new RfbInspector(TO_DESKTOP_ONLY);
    assertThatThrownBy(() -> version.fromViewer(Buffer.buffer().appendString("RFB 003.003\n")))
        .isInstanceOf(RfbRefused.class);

    RfbInspector vncAuth = new RfbInspector(TO_DESKTOP_ONLY);
    Buffer choice = Buffer.buffer().appendString("RFB 003.008\n").appendByte((byte) 2);
    assertThatThrownBy(() -> vncAuth.fromViewer(choice)).isInstanceOf(RfbRefused.class);
  }
}
