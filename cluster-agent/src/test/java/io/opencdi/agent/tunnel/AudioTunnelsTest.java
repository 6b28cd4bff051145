package io.opencdi.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.protocol.AudioCodec;
import io.opencdi.protocol.AudioOpen;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.TunnelRefused;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Audio tunnels on the agent's side: a Vert.x server stands in for the gateway's dial-back
 * endpoint, and the desktop's sound is PCM played in real time, 20 ms per frame, as a desktop's
 * sound server gives it. What crosses the WebSocket is real Opus, decoded here as a viewer would.
 * LocalDesktopAudioTest runs the same tunnel against a real desktop's PulseAudio.
 */
class AudioTunnelsTest {
  private static final String TOKEN = "agent-token-1";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private Vertx vertx;
  private HttpServer server;
  private AudioTunnels tunnels;
  private DialBack link;
  private final Map<String, CompletableFuture<GatewayEnd>> dialled = new ConcurrentHashMap<>();
  private final List<TunnelRefused> refused = new CopyOnWriteArrayList<>();
  private final TestDesktop desktop = new TestDesktop();
  private final AtomicBoolean stalled = new AtomicBoolean();

  @BeforeEach
  void gateway() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            // A small receive buffer, as a gateway far away or busy gives: a stalled reader fills
            // the agent's side quickly.
            .createHttpServer(new HttpServerOptions().setReceiveBufferSize(4096))
            .webSocketHandler(
                ws -> {
                  String path = ws.path();
                  if (!path.startsWith(ProtocolVersion.TUNNEL_PATH_PREFIX)
                      || !("Bearer " + TOKEN).equals(ws.headers().get("Authorization"))) {
                    ws.reject(401);
                    return;
                  }
                  String id = path.substring(ProtocolVersion.TUNNEL_PATH_PREFIX.length());
                  if (stalled.get()) {
                    ws.pause();
                  }
                  GatewayEnd end = new GatewayEnd(ws);
                  dialled.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(end);
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    link = new DialBack(URI.create("ws://127.0.0.1:" + server.actualPort()), TOKEN, List.of());
    tunnels = new AudioTunnels(new OneDesktop(desktop), vertx);
  }

  @AfterEach
  void close() throws Exception {
    tunnels.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theDesktopsSoundArrivesAsOpusPacketsThatDecodeToIt() throws Exception {
    // One second of a 440 Hz tone, then the sound server ends the stream.
    desktop.sound = Tones.pcm(440, 1.0, 10_000, 2);
    desktop.endAfterSound = true;

    GatewayEnd end = open(false);

    assertThat(end.closeCode()).isEqualTo(1000);
    assertThat(end.texts).isEmpty();
    // 50 frames of 20 ms; on loopback none is dropped.
    assertThat(end.packets).hasSizeBetween(48, 50);
    assertThat(end.packets).allSatisfy(p -> assertThat(p.length).isBetween(1, 1500));
    short[] decoded = decode(end.packets, 2);
    assertThat(decoded.length).isEqualTo(end.packets.size() * AudioCodec.FRAME_SAMPLES * 2);
    assertThat(Tones.contains(decoded, 2, 440, 1000, 8_000)).isTrue();
    assertThat(Tones.contains(decoded, 2, 1000, 440, 1_000)).isFalse();
    assertThat(desktop.microphonesOpened.get()).isZero();
    await().atMost(WAIT).until(() -> tunnels.openTunnels() == 0);
  }

  @Test
  void aGatewayThatReadsTooSlowlyMissesPacketsInsteadOfHearingThemLate() throws Exception {
    // Five seconds of sound; the gateway reads nothing for the first four.
    desktop.sound = Tones.pcm(440, 5.0, 10_000, 2);
    desktop.endAfterSound = true;
    stalled.set(true);

    GatewayEnd end = open(false);
    Thread.sleep(4000);
    vertx.runOnContext(v -> end.ws.resume());

    assertThat(end.closeCode()).isEqualTo(1000);
    // 250 packets were made; what the buffers could not hold was dropped, not queued.
    assertThat(end.packets.size()).isLessThan(225);
    assertThat(end.packets.size()).isGreaterThan(20);
  }

  @Test
  void theViewersMicrophoneIsDecodedIntoTheDesktopAndClosingEndsBothStreams() throws Exception {
    desktop.endAfterSound = false; // silence until the tunnel closes

    GatewayEnd end = open(true);
    await().atMost(WAIT).until(() -> tunnels.openTunnels() == 1);
    // A viewer's microphone: one second of 1 kHz, mono packets of 20 ms, in real time.
    OpusEncoder encoder =
        new OpusEncoder(AudioCodec.SAMPLE_RATE, 1, OpusApplication.OPUS_APPLICATION_VOIP);
    short[] tone = Tones.samples(Tones.pcm(1000, 1.0, 8_000, 1), 96_000);
    byte[] packet = new byte[AudioCodec.MAX_PACKET_BYTES];
    for (int off = 0; off < tone.length; off += AudioCodec.FRAME_SAMPLES) {
      int n = encoder.encode(tone, off, AudioCodec.FRAME_SAMPLES, packet, 0, packet.length);
      end.ws.writeBinaryMessage(Buffer.buffer(Arrays.copyOf(packet, n)));
      Thread.sleep(AudioCodec.FRAME_MILLIS);
    }
    await()
        .atMost(WAIT)
        .until(() -> desktop.microphone.size() >= 50 * AudioCodec.FRAME_SAMPLES * 2);
    byte[] heard = desktop.microphone.toByteArray();
    assertThat(heard.length).isEqualTo(50 * AudioCodec.FRAME_SAMPLES * 2);
    assertThat(Tones.contains(Tones.samples(heard, heard.length), 1, 1000, 440, 6_000)).isTrue();
    // The desktop's sound kept flowing meanwhile (silence, encoded).
    assertThat(end.packets.size()).isGreaterThan(30);

    end.ws.close();
    await().atMost(WAIT).until(() -> desktop.soundClosed.get() && desktop.microphoneClosed.get());
    await().atMost(WAIT).until(() -> tunnels.openTunnels() == 0);
  }

  @Test
  void microphonePacketsWhereTheTemplateAllowsNoneClose4423() throws Exception {
    GatewayEnd end = open(false);
    end.ws.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) 0xf8, (byte) 0xff, (byte) 0xfe}));
    assertThat(end.closeCode()).isEqualTo(AudioCodec.MICROPHONE_REFUSED);
    assertThat(desktop.microphonesOpened.get()).isZero();
    await().atMost(WAIT).until(desktop.soundClosed::get);
  }

  @Test
  void soundOffStopsThePacketsUntilSoundOnAndKeepsTheTunnel() throws Exception {
    // Three seconds of a tone: 150 frames, of which about a second is played with sound off.
    desktop.sound = Tones.pcm(440, 3.0, 10_000, 2);
    desktop.endAfterSound = true;
    GatewayEnd end = open(false);
    await().atMost(WAIT).until(() -> end.packets.size() >= 10);

    end.ws.writeTextMessage(AudioCodec.SOUND_OFF);
    Thread.sleep(200); // packets already on their way
    int whenOff = end.packets.size();
    Thread.sleep(800);
    assertThat(end.packets).as("nothing is sent while sound is off").hasSize(whenOff);
    assertThat(end.closed).as("the tunnel stays").isNotDone();

    end.ws.writeTextMessage(AudioCodec.SOUND_ON);
    assertThat(end.closeCode()).isEqualTo(1000);
    assertThat(end.packets.size())
        .as("sound again after sound on, the muted second not sent late")
        .isGreaterThan(whenOff)
        .isLessThan(135);
  }

  @Test
  void textAndMessagesLargerThanAPacketClose4422() throws Exception {
    GatewayEnd text = open(true);
    text.ws.writeTextMessage("{\"hello\":1}");
    assertThat(text.closeCode()).isEqualTo(AudioCodec.NOT_A_PACKET);
    assertThat(text.ws.closeReason()).isNotBlank();

    GatewayEnd large = open(true);
    large.ws.writeBinaryMessage(Buffer.buffer(new byte[AudioCodec.MAX_PACKET_BYTES + 1]));
    assertThat(large.closeCode()).isEqualTo(AudioCodec.NOT_A_PACKET);
    assertThat(desktop.microphone.size()).isZero();
  }

  @Test
  void aDesktopWithoutSoundOrAnUntrustedGatewayIsRefused() throws Exception {
    String unknown = tunnelId();
    tunnels.open(new AudioOpen(unknown, "d-2", "bj-1", null, false), link, refused::add);
    String silent = tunnelId();
    desktop.unreachable = true;
    tunnels.open(new AudioOpen(silent, "d-1", "bj-1", null, true), link, refused::add);
    String untrusted = tunnelId();
    tunnels.open(
        new AudioOpen(untrusted, "d-1", "bj-1", "ws://evil.example.com:1", false),
        link,
        refused::add);

    await().atMost(WAIT).until(() -> refused.size() == 3);
    assertThat(refused)
        .extracting(TunnelRefused::tunnelId, TunnelRefused::cause)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(unknown, TunnelRefused.Cause.NO_DISPLAY),
            org.assertj.core.groups.Tuple.tuple(silent, TunnelRefused.Cause.NO_DISPLAY),
            org.assertj.core.groups.Tuple.tuple(untrusted, TunnelRefused.Cause.DIAL_BACK_REFUSED));
    assertThat(refused)
        .filteredOn(r -> r.cause() == TunnelRefused.Cause.NO_DISPLAY)
        .allSatisfy(r -> assertThat(r.message()).startsWith("the desktop has no sound here"));
    Thread.sleep(200);
    assertThat(dialled).isEmpty();
    assertThat(tunnels.openTunnels()).isZero();
  }

  // --- helpers

  private GatewayEnd open(boolean microphone) throws Exception {
    String id = tunnelId();
    tunnels.open(new AudioOpen(id, "d-1", "bj-1", null, microphone), link, refused::add);
    return dialled
        .computeIfAbsent(id, k -> new CompletableFuture<>())
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  static short[] decode(List<byte[]> packets, int channels) throws Exception {
    OpusDecoder decoder = new OpusDecoder(AudioCodec.SAMPLE_RATE, channels);
    short[] all = new short[packets.size() * AudioCodec.FRAME_SAMPLES * channels];
    int at = 0;
    for (byte[] p : packets) {
      at += decoder.decode(p, 0, p.length, all, at, AudioCodec.FRAME_SAMPLES, false) * channels;
    }
    return Arrays.copyOf(all, at);
  }

  private static String tunnelId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** The gateway's end of one dialled-back tunnel. */
  private static final class GatewayEnd {
    final ServerWebSocket ws;
    final List<String> texts = new CopyOnWriteArrayList<>();
    final List<byte[]> packets = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    GatewayEnd(ServerWebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(texts::add);
      ws.binaryMessageHandler(data -> packets.add(data.getBytes()));
      ws.closeHandler(v -> closed.complete(null));
    }

    int closeCode() throws Exception {
      closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      Short code = ws.closeStatusCode();
      return code == null ? -1 : code;
    }
  }

  /**
   * The sound of desktop {@code d-1}: {@link #sound} played in real time, then silence (or the end
   * of the stream); what its microphone was given.
   */
  private static final class TestDesktop implements DesktopAudio {
    volatile byte[] sound = new byte[0];
    volatile boolean endAfterSound;
    volatile boolean unreachable;
    final ByteArrayOutputStream microphone = new ByteArrayOutputStream();
    final AtomicInteger microphonesOpened = new AtomicInteger();
    final AtomicBoolean soundClosed = new AtomicBoolean();
    final AtomicBoolean microphoneClosed = new AtomicBoolean();

    @Override
    public InputStream sound() throws IOException {
      if (unreachable) {
        throw new NoSuchFileException("snd.sock");
      }
      PipedOutputStream player = new PipedOutputStream();
      PipedInputStream in =
          new PipedInputStream(player, 1 << 16) {
            @Override
            public void close() throws IOException {
              soundClosed.set(true);
              super.close();
            }
          };
      byte[] pcm = sound;
      boolean end = endAfterSound;
      Thread.ofVirtual()
          .start(
              () -> {
                byte[] silence = new byte[AudioTunnels.SOUND_FRAME_BYTES];
                try (player) {
                  for (int off = 0; ; off += silence.length) {
                    if (off < pcm.length) {
                      player.write(pcm, off, Math.min(silence.length, pcm.length - off));
                    } else if (end) {
                      return;
                    } else {
                      player.write(silence);
                    }
                    player.flush();
                    Thread.sleep(AudioCodec.FRAME_MILLIS);
                  }
                } catch (IOException | InterruptedException e) {
                  // the reader closed
                }
              });
      return in;
    }

    @Override
    public OutputStream microphone() {
      microphonesOpened.incrementAndGet();
      return new OutputStream() {
        @Override
        public void write(int b) {
          microphone.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          microphone.write(b, off, len);
        }

        @Override
        public void close() {
          microphoneClosed.set(true);
        }
      };
    }
  }

  /** A runtime of one cluster {@code bj-1} whose one desktop, {@code d-1}, has sound. */
  private record OneDesktop(DesktopAudio audio) implements OneDesktopRuntime {
    @Override
    public Optional<DesktopAudio> audio(String cluster, String desktopId) {
      return OneDesktopRuntime.isTheDesktop(cluster, desktopId)
          ? Optional.of(audio)
          : Optional.empty();
    }
  }
}
