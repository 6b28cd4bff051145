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

  /**
   * Reads the whole screen as the viewer would see it: asks for 32-bit true colour in Raw encoding
   * and returns one {@code 0xRRGGBB} per pixel, row by row, from the first framebuffer update.
   */
  public static int[] framebuffer(DisplayClient c, ServerInit init) throws InterruptedException {
    ByteBuffer format = ByteBuffer.allocate(20);
    format.put((byte) 0).put(new byte[3]); // SetPixelFormat
    format.put((byte) 32).put((byte) 24).put((byte) 0).put((byte) 1); // bpp, depth, LE, true colour
    format.putShort((short) 255).putShort((short) 255).putShort((short) 255);
    format.put((byte) 16).put((byte) 8).put((byte) 0).put(new byte[3]);
    c.write(format.array());
    ByteBuffer encodings = ByteBuffer.allocate(8);
    encodings.put((byte) 2).put((byte) 0).putShort((short) 1).putInt(0); // SetEncodings: Raw
    c.write(encodings.array());
    int type = requestFullUpdate(c, init);
    if (type != 0) {
      throw new AssertionError("expected a FramebufferUpdate, got message type " + type);
    }
    int rects = ByteBuffer.wrap(c.read(3, WAIT)).getShort(1) & 0xffff;
    int[] pixels = new int[init.width() * init.height()];
    for (int r = 0; r < rects; r++) {
      ByteBuffer h = ByteBuffer.wrap(c.read(12, WAIT));
      int x = h.getShort(0) & 0xffff;
      int y = h.getShort(2) & 0xffff;
      int w = h.getShort(4) & 0xffff;
      int hh = h.getShort(6) & 0xffff;
      if (h.getInt(8) != 0) {
        throw new AssertionError("expected Raw pixels, got encoding " + h.getInt(8));
      }
      ByteBuffer data =
          ByteBuffer.wrap(c.read(w * hh * 4, WAIT)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int row = 0; row < hh; row++) {
        for (int col = 0; col < w; col++) {
          pixels[(y + row) * init.width() + x + col] = data.getInt() & 0xffffff;
        }
      }
    }
    return pixels;
  }
}
