package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Whether a TCP port speaks RFB: the server's first 12 bytes are {@code RFB 003.00x\n}. */
final class Rfb {
  private Rfb() {}

  /**
   * Connects, reads the ProtocolVersion banner and hangs up.
   *
   * @return the banner without its newline, or null when nothing RFB answered in time
   */
  static String banner(String host, int port, int timeoutMillis) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      InputStream in = socket.getInputStream();
      byte[] buf = in.readNBytes(12);
      String banner = new String(buf, StandardCharsets.US_ASCII);
      return banner.matches("RFB 003\\.00\\d\n") ? banner.trim() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
