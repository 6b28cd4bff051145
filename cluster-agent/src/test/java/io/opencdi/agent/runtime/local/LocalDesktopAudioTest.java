package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.jaredmdobson.concentus.OpusDecoder;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import io.opencdi.agent.tunnel.AudioTunnels;
import io.opencdi.agent.tunnel.DialBack;
import io.opencdi.agent.tunnel.Tones;
import io.opencdi.protocol.AudioCodec;
import io.opencdi.protocol.AudioOpen;
import io.opencdi.protocol.DesktopSpec;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sound of a real local desktop (ADR 0044): a program of the desktop's user plays a tone into
 * the session's PulseAudio and the agent hears it through {@link LocalRuntime#audio}; PCM the agent
 * writes into the microphone is what the session records from its default source. Only a socket
 * served by the desktop's own user is opened. The second test runs the whole agent side, the
 * desktop's sound as Opus in a dial-back WebSocket, and measures how late a tone arrives there.
 */
class LocalDesktopAudioTest {
  private static final Duration START = Duration.ofSeconds(40);
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** One 20 ms frame of the desktop's sound: 960 samples, stereo, 16 bits. */
  private static final int FRAME_BYTES = AudioCodec.FRAME_SAMPLES * 2 * 2;

  /** The PULSE_SERVER the session's programs were given, as they see it. */
  private static final String SESSION_PULSE_SERVER =
      """
      for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ 2>/dev/null | grep '^PULSE_SERVER='; \
      done | sort -u | head -1
      """;

  @TempDir Path tmp;

  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();
  private Vertx vertx;

  @BeforeEach
  void needsRootAndPulseAudio() {
    assumeTrue(
        HostCommands.uid() == 0, "desktops get a mount namespace of their own only under root");
    for (String tool : List.of("pulseaudio", "pacat", "parec", "socat")) {
      assumeTrue(
          Files.isExecutable(Path.of("/usr/bin", tool)),
          tool + " is not installed (pulseaudio pulseaudio-utils socat)");
    }
  }

  @AfterEach
  void close() throws Exception {
    runtimes.forEach(LocalRuntime::close);
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void whatTheDesktopPlaysReachesTheAgentAndTheAgentsMicrophoneReachesTheDesktop()
      throws Exception {
    LocalRuntime runtime = runtime();
    assertThat(runtime.start(LocalDesktops.spec("a1")).accepted()).isTrue();
    statuses.awaitState("a1", RUNNING, START);
    Launch desktop = runtime.launch("a1").orElseThrow();
    Path vnc = desktopDir("a1").resolve("vnc");
    String pulse = sessionPulseServer(desktop);
    DesktopAudio audio = runtime.audio("local", "a1").orElseThrow();
    assertThat(runtime.audio("local", "nope")).isEmpty();
    assertThat(runtime.audio("elsewhere", "a1")).isEmpty();

    // The sockets: the desktop user's, mode 600, in its mode-700 directory.
    for (String name :
        List.of(LocalDesktopAudio.SOUND_SOCKET, LocalDesktopAudio.MICROPHONE_SOCKET)) {
      await().atMost(WAIT).until(() -> Files.exists(vnc.resolve(name), LinkOption.NOFOLLOW_LINKS));
      assertThat(Files.getAttribute(vnc.resolve(name), "unix:uid", LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(desktop.uid());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vnc.resolve(name))))
          .isEqualTo("rw-------");
    }

    // A tone played by a program of the session arrives as PCM.
    Path home = desktopDir("a1").resolve("home");
    writeAsUser(home.resolve("tone.raw"), Tones.pcm(440, 0.5, 10_000, 2), desktop.uid());
    Listener listener = new Listener(audio.sound());
    Thread.sleep(300);
    HostCommands.Result played =
        DesktopShell.run(
            desktop,
            "export "
                + pulse
                + "; pacat --raw --rate=48000 --channels=2 --format=s16le < tone.raw"
                + " 2>&1 && echo PLAYED");
    assertThat(played.output()).contains("PLAYED");
    Thread.sleep(500);
    byte[] pcm = listener.stop();
    // Silence flows while nothing plays: about 1.3 s of PCM, not only the tone's 0.5 s.
    assertThat(pcm.length).isGreaterThan(FRAME_BYTES * 40);
    short[] samples = Tones.samples(pcm, pcm.length - pcm.length % 4);
    assertThat(Tones.contains(samples, 2, 440, 1000, 8_000)).isTrue();
    assertThat(Tones.contains(samples, 2, 1000, 440, 1_000)).isFalse();

    // The agent's microphone is what the session records from its default source.
    CompletableFuture<HostCommands.Result> recording =
        CompletableFuture.supplyAsync(
            () ->
                DesktopShell.run(
                    desktop,
                    "export "
                        + pulse
                        + "; timeout 2.5 parec --raw --rate=48000 --channels=1 --format=s16le"
                        + " -d @DEFAULT_SOURCE@ > mic.raw; pactl get-default-source 2>&1"));
    Thread.sleep(500);
    speak(audio, Tones.pcm(1000, 1.0, 8_000, 1));
    assertThat(recording.get(WAIT.toSeconds(), TimeUnit.SECONDS).output())
        .contains("opencdi_mic.monitor");
    byte[] recorded = Files.readAllBytes(home.resolve("mic.raw"));
    assertThat(recorded.length).isGreaterThan(48_000 * 2);
    assertThat(Tones.contains(Tones.samples(recorded, recorded.length), 1, 1000, 440, 5_000))
        .isTrue();

    // A socket replaced by a link to another, or served by another user, gives nothing.
    Path sound = vnc.resolve(LocalDesktopAudio.SOUND_SOCKET);
    Path foreign = tmp.resolve("foreign.sock");
    try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      other.bind(UnixDomainSocketAddress.of(foreign));
      Files.delete(sound);
      Files.createSymbolicLink(sound, foreign);
      assertThatThrownBy(audio::sound).isInstanceOf(SecurityException.class);
    }
    try (ServerSocketChannel root = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      Files.delete(sound);
      root.bind(UnixDomainSocketAddress.of(sound));
      assertThatThrownBy(audio::sound)
          .isInstanceOf(SecurityException.class)
          .hasMessageContaining("served by user");
    }
  }

  @Test
  void aToneReachesTheGatewayAsOpusWithinTensOfMilliseconds() throws Exception {
    LocalRuntime runtime = runtime();
    assertThat(runtime.start(LocalDesktops.spec("a2")).accepted()).isTrue();
    statuses.awaitState("a2", RUNNING, START);
    Launch desktop = runtime.launch("a2").orElseThrow();
    String pulse = sessionPulseServer(desktop);
    writeAsUser(
        desktopDir("a2").resolve("home/tone.raw"), Tones.pcm(440, 0.3, 10_000, 2), desktop.uid());

    // The gateway's dial-back endpoint: decodes each packet as it arrives, notes the first loud
    // one after each tone starts.
    vertx = Vertx.vertx();
    AtomicLong loudAt = new AtomicLong();
    CompletableFuture<ServerWebSocket> dialled = new CompletableFuture<>();
    OpusDecoder decoder = new OpusDecoder(AudioCodec.SAMPLE_RATE, 2);
    short[] pcm = new short[AudioCodec.FRAME_SAMPLES * 2 * 6];
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  ws.binaryMessageHandler(
                      data -> {
                        java.time.Instant t = java.time.Instant.now();
                        long now = t.getEpochSecond() * 1_000_000_000L + t.getNano();
                        byte[] p = data.getBytes();
                        try {
                          int n = decoder.decode(p, 0, p.length, pcm, 0, pcm.length / 2, false);
                          int peak = 0;
                          for (int i = 0; i < n * 2; i++) {
                            peak = Math.max(peak, Math.abs(pcm[i]));
                          }
                          if (peak > 3_000) {
                            loudAt.compareAndSet(0, now);
                          }
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      });
                  dialled.complete(ws);
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    AudioTunnels tunnels = new AudioTunnels(runtime, vertx);
    try {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  Files.exists(
                      desktopDir("a2").resolve("vnc").resolve(LocalDesktopAudio.SOUND_SOCKET),
                      LinkOption.NOFOLLOW_LINKS));
      tunnels.open(
          new AudioOpen(UUID.randomUUID().toString().replace("-", ""), "a2", "local", null, false),
          new DialBack(URI.create("ws://127.0.0.1:" + server.actualPort()), "token", List.of()),
          refused -> {
            throw new AssertionError("refused: " + refused);
          });
      dialled.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      Thread.sleep(500); // silence flows
      assertThat(loudAt.get()).isZero();

      // Beside the tunnel, the desktop's raw PCM, to tell the desktop's part from the agent's.
      AtomicLong rawLoudAt = new AtomicLong();
      InputStream raw = runtime.audio("local", "a2").orElseThrow().sound();
      Thread.ofVirtual().start(() -> noteLoudFrames(raw, rawLoudAt));
      Thread.sleep(300);
      List<Double> opusMillis = new ArrayList<>();
      List<Double> rawMillis = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        loudAt.set(0);
        rawLoudAt.set(0);
        // The shell notes the time (the host's clock: desktops share it) just before pacat.
        HostCommands.Result played =
            DesktopShell.run(
                desktop,
                "export "
                    + pulse
                    + "; date +STARTED%s%N; exec pacat --raw --rate=48000 --channels=2"
                    + " --format=s16le --latency-msec=20 < tone.raw 2>&1");
        assertThat(played.exitCode()).as(played.output()).isZero();
        long started =
            Long.parseLong(
                played
                    .output()
                    .lines()
                    .filter(l -> l.startsWith("STARTED"))
                    .findFirst()
                    .get()
                    .substring("STARTED".length()));
        await().atMost(WAIT).until(() -> loudAt.get() != 0 && rawLoudAt.get() != 0);
        opusMillis.add((loudAt.get() - started) / 1e6);
        rawMillis.add((rawLoudAt.get() - started) / 1e6);
        Thread.sleep(300); // the tone's tail, then silence again
        loudAt.set(0);
        Thread.sleep(300);
        assertThat(loudAt.get()).as("silence after the tone").isZero();
      }
      raw.close();
      System.out.printf(
          "audio latency from pacat --latency-msec=20 starting in the desktop: to the first loud"
              + " decoded Opus packet at the gateway's WebSocket %s ms (median %.1f), to the first"
              + " loud PCM frame from the desktop's socket %s ms (median %.1f)%n",
          rounded(opusMillis), median(opusMillis), rounded(rawMillis), median(rawMillis));
      assertThat(tunnels.openTunnels()).isEqualTo(1);
    } finally {
      tunnels.close();
    }
  }

  /**
   * A gVisor desktop's sound is served on its sandbox's address (a socket made in the sandbox is
   * out of the host's reach): a tone played in the sandbox reaches the agent, the agent's
   * microphone reaches the sandbox's programs, and another desktop cannot connect to either port.
   */
  @Test
  void aGvisorDesktopsSoundReachesTheAgentOverItsSandboxLinkAlone() throws Exception {
    Gvisor.Probe probe = Gvisor.probe("runsc");
    assumeTrue(probe.available(), () -> "gVisor is not usable here: " + probe.reason());
    // gVisor desktops need every ancestor of their data traversable.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    LocalRuntime runtime = LocalDesktops.runtime(tmp.resolve("data"), null, START, statuses);
    runtimes.add(runtime);
    DesktopSpec spec = LocalDesktops.spec("g1", "gvisor");
    assertThat(runtime.start(spec).accepted()).isTrue();
    statuses.awaitState("g1", RUNNING, START);
    Launch desktop = runtime.launch("g1").orElseThrow();
    String sandboxIp = desktop.sandbox().sandboxIp();
    DesktopAudio audio = runtime.audio("local", "g1").orElseThrow();
    assertThat(audio).isEqualTo(TcpDesktopAudio.at(sandboxIp));
    String pulse = sandboxPulseServer(runtime);
    Path home = runtime.home("g1");
    writeAsUser(home.resolve("tone.raw"), Tones.pcm(440, 0.5, 10_000, 2), desktop.uid());

    // A tone played in the sandbox arrives as PCM on the sandbox's sound port.
    Listener listener =
        new Listener(await().atMost(WAIT).ignoreExceptions().until(audio::sound, s -> true));
    Thread.sleep(500);
    HostCommands.Result played =
        inSandbox(
            runtime,
            pulse,
            "pacat --raw --rate=48000 --channels=2 --format=s16le < "
                + home.resolve("tone.raw")
                + " 2>&1 && echo PLAYED");
    assertThat(played.output()).contains("PLAYED");
    Thread.sleep(500);
    byte[] pcm = listener.stop();
    short[] samples = Tones.samples(pcm, pcm.length - pcm.length % 4);
    assertThat(Tones.contains(samples, 2, 440, 1000, 8_000)).isTrue();

    // What the agent writes to the microphone port is what the sandbox's programs record.
    CompletableFuture<HostCommands.Result> recording =
        CompletableFuture.supplyAsync(
            () ->
                inSandbox(
                    runtime,
                    pulse,
                    "timeout 4 parec --raw --rate=48000 --channels=1 --format=s16le"
                        + " -d @DEFAULT_SOURCE@ > "
                        + home.resolve("mic.raw")));
    // Spoken until the recording ends: the recorder may take a while to start in the sandbox.
    speakUntil(audio, Tones.pcm(1000, 1.0, 8_000, 1), recording);
    recording.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    byte[] recorded = Files.readAllBytes(home.resolve("mic.raw"));
    assertThat(Tones.contains(Tones.samples(recorded, recorded.length), 1, 1000, 440, 5_000))
        .isTrue();

    // Another desktop, in a namespace of its own, reaches neither port.
    assertThat(runtime.start(LocalDesktops.spec("r1")).accepted()).isTrue();
    statuses.awaitState("r1", RUNNING, START);
    Launch other = runtime.launch("r1").orElseThrow();
    for (int port : List.of(TcpDesktopAudio.SOUND_PORT, TcpDesktopAudio.MICROPHONE_PORT)) {
      HostCommands.Result probeFromDesktop =
          DesktopShell.run(
              other,
              "timeout 5 bash -c 'exec 3<>/dev/tcp/"
                  + sandboxIp
                  + "/"
                  + port
                  + "' 2>/dev/null && echo CONNECTED || echo REFUSED");
      assertThat(probeFromDesktop.output()).contains("REFUSED").doesNotContain("CONNECTED");
    }
  }

  /** Reads a desktop's sound on a thread of its own until stopped. */
  private static final class Listener {
    private final InputStream sound;
    private final ByteArrayOutputStream heard = new ByteArrayOutputStream();
    private final Thread reader;

    Listener(InputStream sound) {
      this.sound = sound;
      this.reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] frame = new byte[FRAME_BYTES];
                    try {
                      int n;
                      while ((n = sound.read(frame)) > 0) {
                        synchronized (heard) {
                          heard.write(frame, 0, n);
                        }
                      }
                    } catch (java.io.IOException e) {
                      // closed
                    }
                  });
    }

    /** Ends the stream; everything heard until then. */
    byte[] stop() throws Exception {
      sound.close();
      reader.join(5000);
      synchronized (heard) {
        return heard.toByteArray();
      }
    }
  }

  /** Writes {@code voice} into the desktop's microphone in 20 ms frames, at a real one's pace. */
  private static void speak(DesktopAudio audio, byte[] voice) throws Exception {
    try (OutputStream microphone = audio.microphone()) {
      for (int off = 0; off < voice.length; off += AudioCodec.FRAME_SAMPLES * 2) {
        microphone.write(voice, off, AudioCodec.FRAME_SAMPLES * 2);
        Thread.sleep(AudioCodec.FRAME_MILLIS);
      }
    }
  }

  /** Speaks {@code voice} into the microphone over and over until {@code done}. */
  private static void speakUntil(DesktopAudio audio, byte[] voice, Future<?> done)
      throws Exception {
    try (OutputStream microphone = audio.microphone()) {
      while (!done.isDone()) {
        for (int off = 0;
            off < voice.length && !done.isDone();
            off += AudioCodec.FRAME_SAMPLES * 2) {
          microphone.write(voice, off, AudioCodec.FRAME_SAMPLES * 2);
          Thread.sleep(AudioCodec.FRAME_MILLIS);
        }
      }
    }
  }

  /** Reads 20 ms frames of {@code sound} until it ends, noting when the first loud one came. */
  private static void noteLoudFrames(InputStream sound, AtomicLong loudAt) {
    byte[] frame = new byte[FRAME_BYTES];
    try {
      while (sound.readNBytes(frame, 0, frame.length) == frame.length) {
        java.time.Instant now = java.time.Instant.now();
        int peak = 0;
        for (short v : Tones.samples(frame, frame.length)) {
          peak = Math.max(peak, Math.abs(v));
        }
        if (peak > 3_000) {
          loudAt.compareAndSet(0, now.getEpochSecond() * 1_000_000_000L + now.getNano());
        }
      }
    } catch (java.io.IOException e) {
      // closed
    }
  }

  private static List<String> rounded(List<Double> millis) {
    return millis.stream().map(m -> String.format("%.1f", m)).toList();
  }

  private static double median(List<Double> millis) {
    return millis.stream().sorted().toList().get(millis.size() / 2);
  }

  private static String sessionPulseServer(Launch desktop) {
    return pulseServer(script -> DesktopShell.run(desktop, script).output());
  }

  /** Runs {@code script} in desktop g1's sandbox with the session's {@code PULSE_SERVER=…}. */
  private static HostCommands.Result inSandbox(LocalRuntime runtime, String pulse, String script) {
    return runtime.execInSandbox("g1", "sh", "-c", "export " + pulse + "; " + script);
  }

  private static String sandboxPulseServer(LocalRuntime runtime) {
    return pulseServer(script -> runtime.execInSandbox("g1", "sh", "-c", script).output());
  }

  /** The PULSE_SERVER the session's programs were given, read with {@code inSession}. */
  private static String pulseServer(java.util.function.UnaryOperator<String> inSession) {
    // The entrypoint starts PulseAudio with the session; give it a moment after RUNNING.
    String[] found = new String[1];
    await()
        .atMost(WAIT)
        .until(
            () -> {
              found[0] = inSession.apply(SESSION_PULSE_SERVER).strip();
              return found[0].matches("PULSE_SERVER=unix:/tmp/\\S+/pulse/native");
            });
    return found[0];
  }

  private static void writeAsUser(Path file, byte[] bytes, int uid) throws Exception {
    Files.write(file, bytes);
    Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(file, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
  }

  private Path desktopDir(String id) {
    return tmp.resolve("private/data/desktops").resolve(id);
  }

  private LocalRuntime runtime() throws Exception {
    Path parent = Files.createDirectories(tmp.resolve("private"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    LocalRuntime runtime = LocalDesktops.runtime(parent.resolve("data"), null, START, statuses);
    runtimes.add(runtime);
    return runtime;
  }
}
