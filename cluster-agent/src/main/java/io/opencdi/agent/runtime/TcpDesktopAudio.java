package io.opencdi.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A desktop's sound served on TCP (ADR 0044) where the agent cannot reach a Unix socket of the
 * desktop: a gVisor sandbox's socket lives in gVisor's own kernel, a Kubernetes Pod's on another
 * node. The desktop's entrypoint serves the same raw PCM on two ports and answers only the peers it
 * was told of; who else can reach the ports at all is the sandbox link's or the NetworkPolicy's to
 * decide.
 *
 * @param host the desktop's address as the agent reaches it (the sandbox's, the Service's)
 * @param soundPort where it serves what the session plays
 * @param microphonePort where it takes what its microphone hears
 */
public record TcpDesktopAudio(String host, int soundPort, int microphonePort)
    implements DesktopAudio {
  /** Where a desktop serves what its session plays, unless told otherwise. */
  public static final int SOUND_PORT = 5910;

  /** Where a desktop takes what its microphone hears, unless told otherwise. */
  public static final int MICROPHONE_PORT = 5911;

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  /** The sound of a desktop at {@code host} on the usual ports. */
  public static TcpDesktopAudio at(String host) {
    return new TcpDesktopAudio(host, SOUND_PORT, MICROPHONE_PORT);
  }

  @Override
  public InputStream sound() throws IOException {
    return connect(soundPort).getInputStream();
  }

  @Override
  public OutputStream microphone() throws IOException {
    Socket socket = connect(microphonePort);
    // Nothing comes back on the microphone's connection.
    socket.shutdownInput();
    return socket.getOutputStream();
  }

  private Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }
}
