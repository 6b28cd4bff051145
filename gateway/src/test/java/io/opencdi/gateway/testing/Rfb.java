package io.opencdi.gateway.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The client side of RFB 3.8 (RFC 6143) as far as a test needs: version, security type None,
 * ClientInit, ServerInit, and a full FramebufferUpdateRequest answered by a FramebufferUpdate.
 */
public final class Rfb {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private Rfb() {}

  /** What the server said in ServerInit. */
  public record ServerInit(int width, int height, String name) {}

  /** Runs the handshake up to ServerInit. */
  public static ServerInit handshake(DisplayClient c) throws InterruptedException {
    String version = new String(c.read(12, WAIT), StandardCharsets.US_ASCII);
    if (!version.startsWith("RFB 003.")) {
      throw new AssertionError("not an RFB server: " + version);
    }
    c.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    int count = c.read(1, WAIT)[0] & 0xff;
    if (count == 0) {
      throw new AssertionError("the server refused the connection");
    }
    byte[] types = c.read(count, WAIT);
    boolean none = false;
    for (byte t : types) {
      none |= t == 1;
    }
    if (!none) {
      throw new AssertionError("the server does not offer security type None");
    }
    c.write(new byte[] {1});
    int result = ByteBuffer.wrap(c.read(4, WAIT)).getInt();
    if (result != 0) {
      throw new AssertionError("security handshake failed: " + result);
    }
    c.write(new byte[] {1}); // ClientInit: shared
    ByteBuffer init = ByteBuffer.wrap(c.read(24, WAIT));
    int width = init.getShort(0) & 0xffff;
    int height = init.getShort(2) & 0xffff;
    int nameLength = init.getInt(20);
    String name = new String(c.read(nameLength, WAIT), StandardCharsets.UTF_8);
    return new ServerInit(width, height, name);
  }

  /** Asks for the whole screen and returns the message type of the answer's first byte. */
  public static int requestFullUpdate(DisplayClient c, ServerInit init)
      throws InterruptedException {
    ByteBuffer request = ByteBuffer.allocate(10);
    request.put((byte) 3).put((byte) 0); // FramebufferUpdateRequest, not incremental
    request.putShort((short) 0).putShort((short) 0);
    request.putShort((short) init.width()).putShort((short) init.height());
    c.write(request.array());
    return c.read(1, WAIT)[0] & 0xff;
  }
}
