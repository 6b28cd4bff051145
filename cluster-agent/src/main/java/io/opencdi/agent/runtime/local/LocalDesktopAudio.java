package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.DesktopAudio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;

/**
 * A local desktop's sound (ADR 0044): its entrypoint serves raw PCM on two Unix sockets in the
 * desktop's VNC directory (its user's, mode 700), {@value #SOUND_SOCKET} from what the session
 * plays and {@value #MICROPHONE_SOCKET} into its microphone. As for the display (ADR 0021), each
 * socket must be served by a process of the desktop's own user: a desktop that replaced one with a
 * link to another desktop's socket gets nothing.
 *
 * @param soundSocket the sound socket as the agent reaches it (through the display relay's short
 *     link when the data directory is deep)
 * @param microphoneSocket the microphone socket, likewise
 * @param uid the desktop's user, the only acceptable peer (-1: any)
 */
record LocalDesktopAudio(Path soundSocket, Path microphoneSocket, int uid) implements DesktopAudio {
  /** The sound socket's name; as long as the VNC socket's, so what reaches one reaches all. */
  static final String SOUND_SOCKET = "snd.sock";

  /** The microphone socket's name. */
  static final String MICROPHONE_SOCKET = "mic.sock";

  /** Both sockets beside the display's socket, as the agent reaches that one. */
  static LocalDesktopAudio beside(Path displaySocket, int uid) {
    return new LocalDesktopAudio(
        displaySocket.resolveSibling(SOUND_SOCKET),
        displaySocket.resolveSibling(MICROPHONE_SOCKET),
        uid);
  }

  @Override
  public InputStream sound() throws IOException {
    return Channels.newInputStream(DisplayRelay.openOwned(soundSocket, uid, "sound"));
  }

  @Override
  public OutputStream microphone() throws IOException {
    return Channels.newOutputStream(DisplayRelay.openOwned(microphoneSocket, uid, "microphone"));
  }
}
