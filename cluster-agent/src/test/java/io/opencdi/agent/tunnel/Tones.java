package io.opencdi.agent.tunnel;

import io.opencdi.protocol.AudioCodec;

/** Sine tones as 16-bit PCM at 48 kHz, and how loud a tone is in some PCM (Goertzel). */
public final class Tones {
  private Tones() {}

  /** {@code seconds} of a sine of {@code hertz} at {@code peak}, s16le, in every channel. */
  public static byte[] pcm(double hertz, double seconds, int peak, int channels) {
    int samples = (int) (AudioCodec.SAMPLE_RATE * seconds);
    byte[] out = new byte[samples * channels * 2];
    for (int i = 0; i < samples; i++) {
      short v =
          (short) Math.round(peak * Math.sin(2 * Math.PI * hertz * i / AudioCodec.SAMPLE_RATE));
      for (int c = 0; c < channels; c++) {
        int at = (i * channels + c) * 2;
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >> 8);
      }
    }
    return out;
  }

  /** Interleaved s16le bytes as samples. */
  public static short[] samples(byte[] pcm, int length) {
    short[] s = new short[length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
    }
    return s;
  }

  /**
   * The peak amplitude of the {@code hertz} component of one channel over {@code count} samples
   * from sample {@code from} (per channel) of interleaved {@code samples}.
   */
  public static double amplitude(
      short[] samples, int channels, int channel, int from, int count, double hertz) {
    double c = 2 * Math.cos(2 * Math.PI * hertz / AudioCodec.SAMPLE_RATE);
    double s1 = 0;
    double s2 = 0;
    for (int i = 0; i < count; i++) {
      double s0 = samples[(from + i) * channels + channel] + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return 2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2)) / count;
  }

  /**
   * Whether some 100 ms window of {@code samples} holds the {@code hertz} tone at least at {@code
   * minPeak} in every channel, with {@code other} (a frequency not played) under a tenth of it.
   */
  public static boolean contains(
      short[] samples, int channels, double hertz, double other, double minPeak) {
    int window = AudioCodec.SAMPLE_RATE / 10;
    int frames = samples.length / channels;
    for (int from = 0; from + window <= frames; from += window / 2) {
      boolean all = true;
      for (int ch = 0; ch < channels && all; ch++) {
        double a = amplitude(samples, channels, ch, from, window, hertz);
        all = a >= minPeak && amplitude(samples, channels, ch, from, window, other) < a / 10;
      }
      if (all) {
        return true;
      }
    }
    return false;
  }
}
