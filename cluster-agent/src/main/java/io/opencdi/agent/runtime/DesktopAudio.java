package io.opencdi.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The sound of one running desktop, as raw PCM (ADR 0044): what its programs play and a way into
 * the microphone they record from. Both are signed 16-bit little-endian at 48 kHz, the sound stereo
 * and the microphone mono, as {@link io.opencdi.protocol.AudioCodec} fixes; an audio tunnel encodes
 * and decodes Opus on top. Each stream is one connection to the desktop's sound server: closing it
 * (from any thread) ends it, and a blocked read or write then fails.
 *
 * <p>Opening blocks (it connects to the desktop): call it on a worker thread.
 */
public interface DesktopAudio {
  /**
   * What the desktop plays from now on, about 20 ms behind, silence included: the stream never
   * pauses while the desktop runs and ends when its sound server does.
   */
  InputStream sound() throws IOException;

  /** Where PCM written becomes what the desktop's programs hear from their default source. */
  OutputStream microphone() throws IOException;
}
