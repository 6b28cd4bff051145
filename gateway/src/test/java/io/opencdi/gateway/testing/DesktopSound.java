package io.opencdi.gateway.testing;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.opencdi.protocol.AudioCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Sound inside a running desktop of the agent's {@code local} runtime, as its programs make and
 * hear it: programs started in the desktop's namespaces, as its user, against its own PulseAudio
 * (found as its {@code pulseaudio} process), as any application of the session would. Also the Opus
 * side of a viewer: packets encoded and decoded as the web UI does with WebCodecs.
 */
public final class DesktopSound {
  private final int uid;
  private final long pulsePid;
  private final String pulseServer;

  private DesktopSound(int uid, long pulsePid, String pulseServer) {
    this.uid = uid;
    this.pulsePid = pulsePid;
    this.pulseServer = pulseServer;
  }

  /** The sound of the desktop whose files are in {@code desktopDir}; fails until it has some. */
  public static DesktopSound of(Path desktopDir) throws IOException, InterruptedException {
    Properties run = new Properties();
    try (InputStream in = Files.newInputStream(desktopDir.resolve("run.properties"))) {
      run.load(in);
    }
    int uid = Integer.parseInt(run.getProperty("uid"));
    Process pgrep =
        new ProcessBuilder("pgrep", "-u", Integer.toString(uid), "-x", "pulseaudio")
            .redirectErrorStream(true)
            .start();
    String pids = new String(pgrep.getInputStream().readAllBytes()).strip();
    if (pgrep.waitFor() != 0 || pids.isEmpty()) {
      throw new IllegalStateException("no pulseaudio of uid " + uid + " runs yet");
    }
    long pid = Long.parseLong(pids.lines().findFirst().orElseThrow());
    String runtimeDir = null;
    for (String v : Files.readString(Path.of("/proc", Long.toString(pid), "environ")).split("\0")) {
      if (v.startsWith("XDG_RUNTIME_DIR=")) {
        runtimeDir = v.substring("XDG_RUNTIME_DIR=".length());
      }
    }
    if (runtimeDir == null) {
      throw new IllegalStateException("pulseaudio " + pid + " has no XDG_RUNTIME_DIR");
    }
    return new DesktopSound(uid, pid, "unix:" + runtimeDir + "/pulse/native");
  }

  /** Starts {@code program} with {@code args} in the desktop, as its user, with its PulseAudio. */
  public Process start(String... programAndArgs) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "nsenter",
                "--target=" + pulsePid,
                "--pid",
                "--mount",
                "--net",
                "--ipc",
                "--",
                "setpriv",
                "--reuid=" + uid,
                "--regid=" + uid,
                "--clear-groups",
                "--no-new-privs",
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "PULSE_SERVER=" + pulseServer));
    cmd.addAll(List.of(programAndArgs));
    try {
      return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Plays {@code pcm} (s16le, 48 kHz, stereo) on the desktop's default sink; returns at once. */
  public Process play(byte[] pcm) throws IOException {
    Process p =
        start(
            "pacat",
            "--raw",
            "--latency-msec=20",
            "--rate=48000",
            "--channels=2",
            "--format=s16le");
    p.getOutputStream().write(pcm);
    p.getOutputStream().close();
    return p;
  }

  /** Records the desktop's default source (its microphone), mono s16le 48 kHz, until killed. */
  public Process recordMicrophone() {
    return start(
        "parec", "--raw", "--latency-msec=20", "--rate=48000", "--channels=1", "--format=s16le");
  }

  /** {@code seconds} of a 440 Hz tone at a third of full scale, s16le, {@code channels}. */
  public static byte[] tone(double seconds, int channels) {
    int samples = (int) (seconds * AudioCodec.SAMPLE_RATE);
    ByteBuffer b = ByteBuffer.allocate(samples * channels * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < samples; i++) {
      short v = (short) (10_000 * Math.sin(2 * Math.PI * 440 * i / AudioCodec.SAMPLE_RATE));
      for (int c = 0; c < channels; c++) {
        b.putShort(v);
      }
    }
    return b.array();
  }

  /** The largest absolute sample of s16le {@code pcm}, 0 to 1. */
  public static double peak(byte[] pcm, int length) {
    ByteBuffer b = ByteBuffer.wrap(pcm, 0, length).order(ByteOrder.LITTLE_ENDIAN);
    int max = 0;
    while (b.remaining() >= 2) {
      max = Math.max(max, Math.abs((int) b.getShort()));
    }
    return max / 32768.0;
  }

  /** Decodes the desktop's packets as a viewer does. */
  public static final class Decoder {
    private final OpusDecoder opus;
    private final short[] pcm = new short[AudioCodec.FRAME_SAMPLES * AudioCodec.OUTPUT_CHANNELS];

    public Decoder() throws OpusException {
      opus = new OpusDecoder(AudioCodec.SAMPLE_RATE, AudioCodec.OUTPUT_CHANNELS);
    }

    /** The peak (0 to 1) of one decoded packet. */
    public double peak(byte[] packet) throws OpusException {
      int n = opus.decode(packet, 0, packet.length, pcm, 0, AudioCodec.FRAME_SAMPLES, false);
      int max = 0;
      for (int i = 0; i < n * AudioCodec.OUTPUT_CHANNELS; i++) {
        max = Math.max(max, Math.abs((int) pcm[i]));
      }
      return max / 32768.0;
    }
  }

  /** 20 ms microphone packets (mono Opus) of {@code pcm}, as the web UI's encoder makes them. */
  public static List<byte[]> microphonePackets(byte[] pcm) throws OpusException {
    OpusEncoder enc =
        new OpusEncoder(
            AudioCodec.SAMPLE_RATE,
            AudioCodec.MICROPHONE_CHANNELS,
            OpusApplication.OPUS_APPLICATION_VOIP);
    enc.setBitrate(32_000);
    ByteBuffer in = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
    short[] frame = new short[AudioCodec.FRAME_SAMPLES];
    byte[] out = new byte[AudioCodec.MAX_PACKET_BYTES];
    List<byte[]> packets = new ArrayList<>();
    while (in.remaining() >= frame.length * 2) {
      for (int i = 0; i < frame.length; i++) {
        frame[i] = in.getShort();
      }
      int n = enc.encode(frame, 0, AudioCodec.FRAME_SAMPLES, out, 0, out.length);
      packets.add(java.util.Arrays.copyOf(out, n));
    }
    return packets;
  }
}
