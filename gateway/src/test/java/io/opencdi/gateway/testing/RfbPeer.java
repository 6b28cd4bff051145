package io.opencdi.gateway.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw RFB 3.8 viewer, as an attacker or a test writes it: it speaks through the broker (a {@link
 * DisplayClient}) or straight to a display's TCP port, sends what it is told to, and reads the
 * display's messages one by one (pixels in Raw only), keeping every ServerCutText it sees.
 */
public final class RfbPeer implements AutoCloseable {
  public static final int RAW = 0;
  public static final int COPY_RECT = 1;
  public static final int TIGHT = 7;
  public static final int ZRLE = 16;
  public static final int EXTENDED_CLIPBOARD = 0xC0A1E5CE;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private interface Io extends AutoCloseable {
    byte[] read(int n) throws Exception;

    void write(byte[] data) throws Exception;

    @Override
    void close();
  }

  /** One FramebufferUpdate: its rectangles' encodings and the screen as far as it drew it. */
  public record Update(List<Integer> encodings) {}

  private final Io io;
  private final List<String> cutTexts = new ArrayList<>();
  private int width;
  private int height;
  private int[] screen = new int[0];

  private RfbPeer(Io io) {
    this.io = io;
  }

  public static RfbPeer through(DisplayClient c) {
    return new RfbPeer(
        new Io() {
          @Override
          public byte[] read(int n) throws Exception {
            return c.read(n, WAIT);
          }

          @Override
          public void write(byte[] data) {
            c.write(data);
          }

          @Override
          public void close() {
            c.close();
          }
        });
  }

  /** A viewer of the display itself, bypassing the broker: stands for what the desktop sends. */
  public static RfbPeer direct(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout((int) WAIT.toMillis());
    DataInputStream in = new DataInputStream(s.getInputStream());
    OutputStream out = s.getOutputStream();
    return new RfbPeer(
        new Io() {
          @Override
          public byte[] read(int n) throws IOException {
            byte[] b = new byte[n];
            in.readFully(b);
            return b;
          }

          @Override
          public void write(byte[] data) throws IOException {
            out.write(data);
            out.flush();
          }

          @Override
          public void close() {
            try {
              s.close();
            } catch (IOException ignored) {
              // closing anyway
            }
          }
        });
  }

  /** Version 3.8, security None, shared ClientInit, ServerInit; 32-bit pixels are assumed. */
  public RfbPeer handshake() throws Exception {
    String version = new String(io.read(12), StandardCharsets.US_ASCII);
    if (!version.equals("RFB 003.008\n")) {
      throw new AssertionError("unexpected version " + version);
    }
    io.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    byte[] types = io.read(io.read(1)[0] & 0xff);
    if (types.length == 0 || types[0] != 1) {
      throw new AssertionError("security None is not offered first");
    }
    io.write(new byte[] {1});
    if (ByteBuffer.wrap(io.read(4)).getInt() != 0) {
      throw new AssertionError("security handshake failed");
    }
    io.write(new byte[] {1});
    ByteBuffer init = ByteBuffer.wrap(io.read(24));
    width = init.getShort(0) & 0xffff;
    height = init.getShort(2) & 0xffff;
    if ((init.get(4) & 0xff) != 32) {
      throw new AssertionError("expected 32 bits per pixel");
    }
    io.read(init.getInt(20));
    screen = new int[width * height];
    return this;
  }

  /** Sends bytes as they are, protocol or not. */
  public void writeRaw(byte[] data) throws Exception {
    io.write(data);
  }

  public byte[] readRaw(int n) throws Exception {
    return io.read(n);
  }

  public void setEncodings(int... encodings) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * encodings.length);
    b.put((byte) 2).put((byte) 0).putShort((short) encodings.length);
    for (int e : encodings) {
      b.putInt(e);
    }
    io.write(b.array());
  }

  /** ClientCutText with {@code text} in Latin-1, as RFB carries it. */
  public void cutText(String text) throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(8 + bytes.length);
    b.put((byte) 6).put(new byte[3]).putInt(bytes.length).put(bytes);
    io.write(b.array());
  }

  public void key(int keysym) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.put((byte) 4).put((byte) 1).putShort((short) 0).putInt(keysym);
    b.put((byte) 4).put((byte) 0).putShort((short) 0).putInt(keysym);
    io.write(b.array());
  }

  /** A PointerEvent: the mouse moves to ({@code x}, {@code y}) with no button pressed. */
  public void pointer(int x, int y) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(6);
    b.put((byte) 5).put((byte) 0).putShort((short) x).putShort((short) y);
    io.write(b.array());
  }

  /** Asks for the whole screen and reads messages until the answer's update is complete. */
  public Update fullUpdate() throws Exception {
    ByteBuffer r = ByteBuffer.allocate(10);
    r.put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0);
    r.putShort((short) width).putShort((short) height);
    io.write(r.array());
    while (true) {
      Update u = readMessage();
      if (u != null) {
        return u;
      }
    }
  }

  /** Reads messages until a ServerCutText arrives, and returns its text. */
  public String awaitCutText() throws Exception {
    int seen = cutTexts.size();
    while (cutTexts.size() == seen) {
      readMessage();
    }
    return cutTexts.get(seen);
  }

  /** Every ServerCutText read so far. */
  public List<String> cutTexts() {
    return List.copyOf(cutTexts);
  }

  /** The pixel (0xRRGGBB) at x, y as the updates read so far drew it. */
  public int pixel(int x, int y) {
    return screen[y * width + x];
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Reads one message: an update is returned, anything else is recorded and gives null. */
  private Update readMessage() throws Exception {
    int type = io.read(1)[0] & 0xff;
    switch (type) {
      case 0 -> {
        ByteBuffer h = ByteBuffer.wrap(io.read(3));
        int count = h.getShort(1) & 0xffff;
        List<Integer> encodings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          ByteBuffer rect = ByteBuffer.wrap(io.read(12));
          int x = rect.getShort(0) & 0xffff;
          int y = rect.getShort(2) & 0xffff;
          int w = rect.getShort(4) & 0xffff;
          int hh = rect.getShort(6) & 0xffff;
          int encoding = rect.getInt(8);
          encodings.add(encoding);
          switch (encoding) {
            case RAW -> raw(x, y, w, hh, io.read(w * hh * 4));
            case -223 -> {}
            case -224 -> i = count;
            case -308 -> io.read(3 + 16 * (io.read(1)[0] & 0xff));
            default -> throw new AssertionError("the display used encoding " + encoding);
          }
        }
        return new Update(encodings);
      }
      case 2, 150 -> {
        return null;
      }
      case 3 -> {
        int length = ByteBuffer.wrap(io.read(7)).getInt(3);
        cutTexts.add(new String(io.read(length), StandardCharsets.ISO_8859_1));
        return null;
      }
      case 248 -> {
        byte[] h = io.read(8);
        io.read(h[7] & 0xff);
        return null;
      }
      default -> throw new AssertionError("unexpected message type " + type);
    }
  }

  private void raw(int x, int y, int w, int h, byte[] pixels) {
    ByteBuffer p = ByteBuffer.wrap(pixels).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < h; row++) {
      for (int col = 0; col < w; col++) {
        int v = p.getInt() & 0xffffff;
        if (y + row < height && x + col < width) {
          screen[(y + row) * width + x + col] = v;
        }
      }
    }
  }

  @Override
  public void close() {
    io.close();
  }
}
