package io.opencdi.agent.tunnel;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.protocol.AudioCodec;
import io.opencdi.protocol.AudioOpen;
import io.opencdi.protocol.TunnelRefused;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Opens audio tunnels the gateway asks for ({@link AudioOpen}, ADR 0044): opens the desktop's sound
 * ({@link DesktopAudio}), dials back to the gateway as a display tunnel does, and sends what the
 * desktop plays as Opus packets, one per binary message, while the viewer's microphone packets,
 * when the template allows them, are decoded into the desktop's microphone. See
 * docs/agent-protocol.md, "Audio tunnels".
 *
 * <p>Sound is live: a packet that finds the WebSocket's write queue full is dropped rather than
 * queued, and a microphone packet that finds the desktop still writing the previous ones likewise,
 * so neither direction falls behind. Encoding, decoding and the desktop's streams run on virtual
 * threads of their own, never on the event loop.
 */
@Singleton
public class AudioTunnels {
  private static final Logger LOG = Logger.getLogger(AudioTunnels.class);

  /** Bytes of one 20 ms frame of the desktop's sound: 960 samples × 2 channels × 16 bits. */
  static final int SOUND_FRAME_BYTES = AudioCodec.FRAME_SAMPLES * AudioCodec.OUTPUT_CHANNELS * 2;

  /**
   * Bytes the WebSocket may hold unsent before packets are dropped: about 250 ms at 128 kbit/s. Its
   * default (Netty's 64 KiB) would let sound fall seconds behind a slow viewer.
   */
  static final int WRITE_QUEUE_BYTES = 4096;

  /**
   * The kernel's send buffer of a dial-back, which the kernel doubles: about half a second of
   * sound. Left to autotuning it grows to megabytes, minutes of Opus, that a slow viewer would hear
   * late; 16 kB/s needs no more even at a long round trip.
   */
  static final int SEND_BUFFER_BYTES = 4096;

  /**
   * Frames of the desktop's sound waiting unread beyond which the oldest are skipped: an encoder
   * still being compiled, or a pause of the agent, must not leave the sound that far behind for
   * good (the desktop produces exactly as fast as it plays).
   */
  static final int MAX_BEHIND_FRAMES = 3;

  /** Microphone packets waiting for the desktop (100 ms); more are dropped. */
  static final int MICROPHONE_BACKLOG = 5;

  /** Longest Opus packet (120 ms) in samples per channel, what a decoder may return at once. */
  private static final int MAX_PACKET_SAMPLES = AudioCodec.SAMPLE_RATE / 1000 * 120;

  private final DesktopRuntime runtime;
  private final Vertx vertx;
  private final WebSocketClient gateway;
  private final ExecutorService blocking =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-audio-", 0).factory());
  private final Set<Tunnel> tunnels = ConcurrentHashMap.newKeySet();

  public AudioTunnels(DesktopRuntime runtime, Vertx vertx) {
    this.runtime = runtime;
    this.vertx = vertx;
    this.gateway =
        vertx.createWebSocketClient(
            TunnelDialer.dialBackOptions().setSendBufferSize(SEND_BUFFER_BYTES));
  }

  void onStop(@Observes ShutdownEvent event) {
    close();
  }

  /** Ends every audio tunnel and closes the dial-back client. */
  public void close() {
    for (Tunnel t : tunnels) {
      t.context.runOnContext(v -> t.close(1001, "the agent is stopping"));
      t.end();
    }
    gateway.close();
    blocking.shutdownNow();
  }

  /** How many audio tunnels are open now. */
  public int openTunnels() {
    return tunnels.size();
  }

  /**
   * Opens the tunnel; {@code refuse} is called (at most once, on any thread) when it cannot be
   * opened and the gateway must be told.
   *
   * @param link how the link reaches the gateway, which the tunnel dials back to
   */
  public void open(AudioOpen request, DialBack link, Consumer<TunnelRefused> refuse) {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> start(request, link, refuse, context));
  }

  private void start(
      AudioOpen request, DialBack link, Consumer<TunnelRefused> refuse, Context context) {
    if (!TunnelDialer.validTunnelId(request.tunnelId())) {
      LOG.warnf("ignoring an audio tunnel request with a malformed id");
      return;
    }
    Optional<DesktopAudio> audio =
        request.cluster() == null || request.desktopId() == null
            ? Optional.empty()
            : runtime.audio(request.cluster(), request.desktopId());
    if (audio.isEmpty()) {
      refuse.accept(
          new TunnelRefused(
              request.tunnelId(),
              TunnelRefused.Cause.NO_DISPLAY,
              "the desktop has no sound here: desktop "
                  + request.desktopId()
                  + " does not run in cluster "
                  + request.cluster()
                  + " or the "
                  + runtime.kind()
                  + " runtime gives it none"));
      return;
    }
    URI base = TunnelDialer.trustedBase(request.tunnelId(), request.dialBackUrl(), link, refuse);
    if (base == null) {
      return;
    }
    // The desktop's streams first, as a display tunnel reaches its display before dialling back:
    // a desktop whose sound cannot be reached is refused, not dialled back and closed.
    try {
      blocking.execute(
          () -> {
            Streams streams = new Streams();
            try {
              streams.sound = audio.get().sound();
              if (request.microphone()) {
                streams.microphone = audio.get().microphone();
              }
            } catch (IOException | RuntimeException e) {
              streams.close();
              LOG.infof(
                  "audio tunnel %s: cannot reach the sound of desktop %s: %s",
                  request.tunnelId(), request.desktopId(), e.getMessage());
              refuse.accept(
                  new TunnelRefused(
                      request.tunnelId(),
                      TunnelRefused.Cause.NO_DISPLAY,
                      "the desktop has no sound here: the sound of desktop "
                          + request.desktopId()
                          + " does not answer"));
              return;
            }
            context.runOnContext(v -> dialBack(request, base, link, streams, context));
          });
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  private void dialBack(
      AudioOpen request, URI base, DialBack link, Streams streams, Context context) {
    WebSocketConnectOptions options =
        TunnelDialer.dialBackTo(base, request.tunnelId(), link.token());
    gateway
        .connect(options)
        .onFailure(
            e -> {
              streams.close();
              // The gateway closes the viewer's audio when no dial-back arrives in time.
              LOG.infof(
                  "audio tunnel %s: cannot dial back to the gateway: %s", request.tunnelId(), e);
            })
        .onSuccess(ws -> serve(request, streams, ws, context));
  }

  private void serve(AudioOpen request, Streams streams, WebSocket ws, Context context) {
    Tunnel t = new Tunnel(request, ws, streams, context);
    tunnels.add(t);
    ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    ws.closeHandler(
        v -> {
          tunnels.remove(t);
          t.end();
          LOG.debugf(
              "audio tunnel %s closed: %d packets sent, %d dropped, %d frames skipped, %d muted;"
                  + " %d microphone packets dropped",
              request.tunnelId(), t.sent, t.dropped, t.skipped, t.muted, t.microphoneDropped);
        });
    ws.exceptionHandler(e -> LOG.debugf("audio tunnel %s: %s", request.tunnelId(), e));
    ws.textMessageHandler(
        text -> {
          if (AudioCodec.SOUND_OFF.equals(text) || AudioCodec.SOUND_ON.equals(text)) {
            t.soundOff = AudioCodec.SOUND_OFF.equals(text);
          } else {
            t.close(AudioCodec.NOT_A_PACKET, "an audio tunnel carries Opus packets only");
          }
        });
    ws.binaryMessageHandler(
        data -> {
          if (!request.microphone()) {
            t.close(AudioCodec.MICROPHONE_REFUSED, "the template allows no microphone");
          } else if (data.length() > AudioCodec.MAX_PACKET_BYTES) {
            t.close(AudioCodec.NOT_A_PACKET, "a message larger than an Opus packet");
          } else if (data.length() > 0 && !t.microphone.offer(data.getBytes())) {
            t.microphoneDropped++;
          }
        });
    LOG.debugf(
        "audio tunnel %s open: desktop %s, microphone %s",
        request.tunnelId(), request.desktopId(), request.microphone());
    try {
      blocking.execute(() -> sendSound(t));
      if (request.microphone()) {
        t.microphoneTask = blocking.submit(() -> receiveMicrophone(t));
      }
    } catch (RejectedExecutionException e) {
      t.close(1001, "the agent is stopping");
    }
  }

  /** Reads the desktop's sound frame by frame, encodes each and hands it to the event loop. */
  private void sendSound(Tunnel t) {
    byte[] pcm = new byte[SOUND_FRAME_BYTES];
    short[] samples = new short[SOUND_FRAME_BYTES / 2];
    byte[] packet = new byte[AudioCodec.MAX_PACKET_BYTES];
    try {
      OpusEncoder encoder =
          new OpusEncoder(
              AudioCodec.SAMPLE_RATE,
              AudioCodec.OUTPUT_CHANNELS,
              OpusApplication.OPUS_APPLICATION_AUDIO);
      encoder.setBitrate(AudioCodec.OUTPUT_BITRATE);
      InputStream in = t.streams.sound;
      while (in.readNBytes(pcm, 0, pcm.length) == pcm.length) {
        int behind = in.available() / pcm.length;
        if (behind > MAX_BEHIND_FRAMES) {
          // Whole frames only: the stream stays aligned to samples.
          in.skipNBytes((long) behind * pcm.length);
          t.skipped += behind;
          continue;
        }
        if (t.soundOff) {
          t.muted++;
          continue;
        }
        for (int i = 0; i < samples.length; i++) {
          samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
        }
        int n = encoder.encode(samples, 0, AudioCodec.FRAME_SAMPLES, packet, 0, packet.length);
        byte[] bytes = Arrays.copyOf(packet, n);
        t.context.runOnContext(v -> t.send(bytes));
      }
      t.context.runOnContext(v -> t.close(1000, "the desktop's sound ended"));
    } catch (IOException e) {
      // The tunnel closed (its stream with it), or the desktop's sound server went away.
      t.context.runOnContext(v -> t.close(1000, "the desktop's sound ended"));
    } catch (OpusException | RuntimeException e) {
      LOG.warnf(e, "audio tunnel %s: cannot encode the sound", t.request.tunnelId());
      t.context.runOnContext(v -> t.close(1011, "the sound could not be encoded"));
    }
  }

  /** Decodes the viewer's packets into the desktop's microphone, one by one as they come. */
  private void receiveMicrophone(Tunnel t) {
    short[] samples = new short[MAX_PACKET_SAMPLES * AudioCodec.MICROPHONE_CHANNELS];
    byte[] pcm = new byte[samples.length * 2];
    try {
      OpusDecoder decoder = new OpusDecoder(AudioCodec.SAMPLE_RATE, AudioCodec.MICROPHONE_CHANNELS);
      OutputStream out = t.streams.microphone;
      while (true) {
        byte[] packet = t.microphone.take();
        int n;
        try {
          n = decoder.decode(packet, 0, packet.length, samples, 0, MAX_PACKET_SAMPLES, false);
        } catch (OpusException | RuntimeException e) {
          t.context.runOnContext(
              v -> t.close(AudioCodec.NOT_A_PACKET, "a microphone packet that is no Opus"));
          return;
        }
        int count = n * AudioCodec.MICROPHONE_CHANNELS;
        for (int i = 0; i < count; i++) {
          pcm[2 * i] = (byte) samples[i];
          pcm[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        out.write(pcm, 0, count * 2);
      }
    } catch (InterruptedException e) {
      // the tunnel ended
    } catch (IOException e) {
      t.context.runOnContext(v -> t.close(1000, "the desktop's microphone ended"));
    } catch (OpusException e) {
      LOG.warnf(e, "audio tunnel %s: cannot decode the microphone", t.request.tunnelId());
      t.context.runOnContext(v -> t.close(1011, "the microphone could not be decoded"));
    }
  }

  /** The desktop's side of one tunnel; either may be null until opened. */
  private static final class Streams implements Closeable {
    volatile InputStream sound;
    volatile OutputStream microphone;

    @Override
    public void close() {
      closeQuietly(sound);
      closeQuietly(microphone);
    }

    private static void closeQuietly(Closeable c) {
      if (c == null) {
        return;
      }
      try {
        c.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  /** One tunnel; its counters are touched on its context. */
  private static final class Tunnel {
    final AudioOpen request;
    final WebSocket ws;
    final Streams streams;
    final Context context;
    final BlockingQueue<byte[]> microphone = new ArrayBlockingQueue<>(MICROPHONE_BACKLOG);
    volatile Future<?> microphoneTask;
    long sent;
    long dropped;
    volatile long skipped; // frames, by the sound's thread
    long microphoneDropped;
    // The viewer turned sound off: frames are read (the desktop's sound keeps flowing) but not
    // encoded or sent.
    volatile boolean soundOff;
    volatile long muted; // frames, by the sound's thread

    Tunnel(AudioOpen request, WebSocket ws, Streams streams, Context context) {
      this.request = request;
      this.ws = ws;
      this.streams = streams;
      this.context = context;
    }

    /** Sends one packet, or drops it when the gateway has not taken the previous ones yet. */
    void send(byte[] packet) {
      if (ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        dropped++;
        return;
      }
      ws.writeBinaryMessage(Buffer.buffer(packet));
      sent++;
    }

    void close(int code, String reason) {
      if (!ws.isClosed()) {
        ws.close((short) code, FileTunnels.reason(reason));
      }
    }

    /** Ends the desktop's side: its blocked reads and writes fail, its threads end. */
    void end() {
      streams.close();
      Future<?> mic = microphoneTask;
      if (mic != null) {
        mic.cancel(true);
      }
    }
  }
}
