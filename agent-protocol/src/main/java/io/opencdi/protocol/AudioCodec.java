package io.opencdi.protocol;

/**
 * The one audio format of OpenCDI's audio tunnels and of the viewer's audio WebSocket (ADR 0044):
 * Opus at 48 kHz in 20 ms packets, one packet per binary WebSocket message, no container. Sound
 * from the desktop is stereo, the microphone mono. Fixed, so neither end negotiates.
 */
public final class AudioCodec {
  /** Samples per second of both directions. */
  public static final int SAMPLE_RATE = 48_000;

  /** Channels of the desktop's sound. */
  public static final int OUTPUT_CHANNELS = 2;

  /** Channels of the microphone. */
  public static final int MICROPHONE_CHANNELS = 1;

  /** Length of one packet. */
  public static final int FRAME_MILLIS = 20;

  /** Samples per channel in one packet. */
  public static final int FRAME_SAMPLES = SAMPLE_RATE / 1000 * FRAME_MILLIS;

  /** Bits per second the desktop's sound is encoded at. */
  public static final int OUTPUT_BITRATE = 128_000;

  /**
   * Largest binary message either way: an Opus packet is at most 1,275 bytes per frame (RFC 6716);
   * anything longer is no packet of this format.
   */
  public static final int MAX_PACKET_BYTES = 1_500;

  /** Close code: microphone data arrived where the template does not allow a microphone. */
  public static final int MICROPHONE_REFUSED = 4423;

  /**
   * Close code: a message that is no packet of this format (too long, or a text message other than
   * {@link #SOUND_OFF} and {@link #SOUND_ON}).
   */
  public static final int NOT_A_PACKET = 4422;

  /**
   * The one text message a viewer may send, passed on to the agent: the user turned sound off, so
   * the agent stops encoding and nothing crosses the network until {@link #SOUND_ON}. The agent
   * keeps draining the desktop's sound meanwhile, so turning it on again plays what plays now.
   */
  public static final String SOUND_OFF = "{\"sound\":\"off\"}";

  /** The user turned sound on again (a tunnel starts with sound on). */
  public static final String SOUND_ON = "{\"sound\":\"on\"}";

  private AudioCodec() {}
}
