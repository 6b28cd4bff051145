package io.opencdi.agent.runtime.local;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal RFB 3.8 client (RFC 6143) for tests: version and security handshake with security type
 * None, ClientInit/ServerInit, a framebuffer update request and key events.
 */
final class RfbClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  final String serverVersion;
  final int width;
  final int height;
  final String name;

  RfbClient(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
    serverVersion = new String(in.readNBytes(12), StandardCharsets.US_ASCII).trim();
    if (!serverVersion.startsWith("RFB 003.")) {
      throw new IOException("not an RFB server: " + serverVersion);
    }
    out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    int count = in.readUnsignedByte();
    if (count == 0) {
      throw new IOException("server refused: " + readString());
    }
    boolean none = false;
    for (int i = 0; i < count; i++) {
      none |= in.readUnsignedByte() == 1;
    }
    if (!none) {
      throw new IOException("server does not offer security type None");
    }
    out.writeByte(1);
    int result = in.readInt();
    if (result != 0) {
      throw new IOException("security handshake failed: " + readString());
    }
    out.writeByte(1); // ClientInit: shared
    width = in.readUnsignedShort();
    height = in.readUnsignedShort();
    in.readNBytes(16); // pixel format
    name = readString();
  }

  /**
   * Requests a full (non-incremental) update of the screen and reads the FramebufferUpdate header.
   *
   * @return the number of rectangles announced
   */
  int requestFullUpdate() throws IOException {
    out.writeByte(3);
    out.writeByte(0);
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(width);
    out.writeShort(height);
    out.flush();
    while (true) {
      int type = in.readUnsignedByte();
      switch (type) {
        case 0 -> {
          in.readUnsignedByte();
          return in.readUnsignedShort();
        }
        case 2 -> {} // Bell
        case 3 -> { // ServerCutText
          in.readNBytes(3);
          in.readNBytes(in.readInt());
        }
        default -> throw new IOException("unexpected server message " + type);
      }
    }
  }

  /** Types text as key presses and releases (ASCII; '\n' is Return). */
  void type(String text) throws IOException {
    for (char c : text.toCharArray()) {
      int keysym = c == '\n' ? 0xff0d : c;
      key(keysym, true);
      key(keysym, false);
    }
    out.flush();
  }

  private void key(int keysym, boolean down) throws IOException {
    out.writeByte(4);
    out.writeByte(down ? 1 : 0);
    out.writeShort(0);
    out.writeInt(keysym);
  }

  private String readString() throws IOException {
    int length = in.readInt();
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
