package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.DesktopAudio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A gVisor desktop's sound (ADR 0044): a Unix socket made inside the sandbox lives in gVisor's own
 * kernel, out of a host process's reach, so its entrypoint serves the same raw PCM on TCP at the
 * sandbox's address, as its display is, and answers only the host's end of the sandbox's link. The
 * sandbox's namespace has that link alone and no route beyond it, so no other desktop reaches these
 * ports at all.
 *
 * @param sandboxIp the sandbox's address on its link
 */
record SandboxAudio(String sandboxIp) implements DesktopAudio {
  /** Where the sandbox serves what the session plays. */
  static final int SOUND_PORT = 5910;

  /** Where the sandbox takes what its microphone hears. */
  static final int MICROPHONE_PORT = 5911;

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  @Override
  public InputStream sound() throws IOException {
    return connect(SOUND_PORT).getInputStream();
  }

  @Override
  public OutputStream microphone() throws IOException {
    Socket socket = connect(MICROPHONE_PORT);
    // Nothing comes back on the microphone's connection.
    socket.shutdownInput();
    return socket.getOutputStream();
  }

  private Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(sandboxIp, port), CONNECT_TIMEOUT_MILLIS);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }
}
