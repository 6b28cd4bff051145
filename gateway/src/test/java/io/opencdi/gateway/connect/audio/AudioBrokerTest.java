package io.opencdi.gateway.connect.audio;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.AudioClient;
import io.opencdi.gateway.testing.DesktopSound;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.opencdi.protocol.AudioCodec;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A real local desktop's sound reaches its viewer through the gateway's audio endpoint as Opus
 * packets, and the viewer's microphone reaches the desktop's programs, only where the template
 * allows it (ADR 0044). Tried as a user's own client would: a plain WebSocket with the ticket of
 * {@code connectDesktop}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AudioBrokerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration CLOSE = Duration.ofSeconds(15);

  @TestHTTPResource("/")
  URL base;

  @Test
  void aDesktopsSoundReachesItsViewerAndItsMicrophoneOnlyWhileTheTemplateAllows() throws Exception {
    Path data = Files.createTempDirectory("opencdi-audio-desktops");
    String alice = login("alice");
    String admin = login("admin");
    try (AgentProcess agent =
        AgentProcess.local(
            base.getPort(), "audio-agent", "audio-local", "ap-audio", data, Map.of())) {
      agent.awaitReady(admin, "audio-local");
      Map<String, Object> template = SharedDisplayFleet.templateInput("with-sound");
      template.put("audio", true);
      template.put("microphone", true);
      JsonPath made = run(admin, "templates", "CreateTemplate", "input", template);
      String templateId = made.getString("data.createTemplate.id");
      assertThat(templateId).as(made.prettify()).isNotNull();
      Map<String, Object> in = new HashMap<>();
      in.put("templateId", templateId);
      in.put("region", "ap-audio");
      in.put("name", "sound-desk");
      String id =
          run(alice, "desktops", "CreateDesktop", "input", in).getString("data.createDesktop.id");
      Path desktopDir = data.resolve("desktops").resolve(id);
      try {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> assertThat(Desktops.state(alice, id)).as(agent::log).isEqualTo("RUNNING"));
        AtomicReference<DesktopSound> found = new AtomicReference<>();
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .untilAsserted(() -> found.set(DesktopSound.of(desktopDir)));
        DesktopSound sound = found.get();

        // Each ticket opens its own endpoint only; a refused one is not used up.
        JsonPath ticket = connect(alice, id);
        assertThat(ticket.getBoolean("microphone")).isTrue();
        String audioUrl = ticket.getString("audioUrl");
        assertThat(audioUrl).contains("/audio/v1/");
        try (AudioClient wrong = AudioClient.open(displayAsAudio(ticket), origin());
            DisplayClient alsoWrong = DisplayClient.open(audioAsDisplay(ticket), origin(), null)) {
          assertThat(wrong.closeCode(CLOSE)).isEqualTo(4401);
          assertThat(alsoWrong.closeCode(CLOSE)).isEqualTo(4401);
        }
        try (AudioClient foreign = AudioClient.open(audioUrl, "https://evil.example")) {
          assertThat(foreign.closeCode(CLOSE)).isEqualTo(4403);
        }

        try (AudioClient viewer = AudioClient.open(audioUrl, origin())) {
          DesktopSound.Decoder decoder = new DesktopSound.Decoder();
          AudioClient.Packet first = viewer.next(Duration.ofSeconds(20));
          assertThat(first).as("a packet of the desktop's silence; " + agent.log()).isNotNull();
          assertThat(first.bytes().length).isBetween(1, AudioCodec.MAX_PACKET_BYTES);
          assertThat(decoder.peak(first.bytes())).as("silence").isLessThan(0.01);
          // Packets come every 20 ms, silence included: half a second of them, decoded in order.
          long quietUntil = System.nanoTime() + Duration.ofMillis(500).toNanos();
          while (System.nanoTime() < quietUntil) {
            AudioClient.Packet quiet = viewer.next(Duration.ofMillis(100));
            if (quiet != null) {
              assertThat(decoder.peak(quiet.bytes())).as("silence").isLessThan(0.01);
            }
          }

          // A program of the desktop plays a tone: it arrives, decoded, within a moment.
          long played = System.nanoTime();
          Process pacat = sound.play(DesktopSound.tone(2.0, 2));
          double loudest = 0;
          long heardNanos = -1;
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (heardNanos < 0 && System.nanoTime() < deadline) {
            AudioClient.Packet p = viewer.next(Duration.ofSeconds(1));
            if (p != null) {
              loudest = Math.max(loudest, decoder.peak(p.bytes()));
              if (loudest > 0.1) {
                heardNanos = p.arrivedNanos();
              }
            }
          }
          assertThat(loudest)
              .as("the tone's peak at the viewer (it plays at 0.3)")
              .isGreaterThan(0.1);
          System.out.printf(
              "audio: a tone played in the desktop reached the viewer's decoder %d ms after pacat"
                  + " started%n",
              Duration.ofNanos(heardNanos - played).toMillis());
          pacat.waitFor();

          // Sound off: the agent stops encoding and sending, the socket stays; on again, the
          // desktop's sound comes back.
          viewer.sendText(AudioCodec.SOUND_OFF);
          Thread.sleep(1000);
          int onTheirWay = 0;
          while (viewer.next(Duration.ZERO) != null) {
            onTheirWay++;
          }
          AudioClient.Packet late = viewer.next(Duration.ofMillis(1500));
          assertThat(late)
              .as("a packet while sound is off (" + onTheirWay + " were on their way)")
              .isNull();
          viewer.sendText(AudioCodec.SOUND_ON);
          assertThat(viewer.next(Duration.ofSeconds(5))).as("sound after sound on").isNotNull();

          // The viewer's microphone: what it sends is what the desktop's programs record.
          assertThat(recordWhileSending(sound, viewer, DesktopSound.tone(1.5, 1)))
              .as("the microphone's peak in the desktop")
              .isGreaterThan(0.1);
        }

        // A text message other than sound off or on is no packet.
        try (AudioClient viewer =
            AudioClient.open(connect(alice, id).getString("audioUrl"), origin())) {
          viewer.sendText("hello");
          assertThat(viewer.closeCode(CLOSE)).isEqualTo(AudioCodec.NOT_A_PACKET);
        }

        // The admin takes the microphone away: the next connection's packets are refused.
        template.put("microphone", false);
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        JsonPath noMic = connect(alice, id);
        assertThat(noMic.getBoolean("microphone")).isFalse();
        try (AudioClient viewer = AudioClient.open(noMic.getString("audioUrl"), origin())) {
          assertThat(viewer.next(Duration.ofSeconds(20))).as("sound still comes").isNotNull();
          viewer.send(DesktopSound.microphonePackets(DesktopSound.tone(0.1, 1)).get(0));
          assertThat(viewer.closeCode(CLOSE)).isEqualTo(AudioCodec.MICROPHONE_REFUSED);
        }
        // A used ticket stays used.
        try (AudioClient again = AudioClient.open(noMic.getString("audioUrl"), origin())) {
          assertThat(again.closeCode(CLOSE)).isEqualTo(4409);
        }

        // A user who opens sound connections one after another holds at most four at once (each
        // is a tunnel, an encoder on the agent and a recorder in the desktop); closing one makes
        // room again.
        List<AudioClient> listening = new java.util.ArrayList<>();
        try {
          for (int i = 0; i < 4; i++) {
            AudioClient c = AudioClient.open(connect(alice, id).getString("audioUrl"), origin());
            listening.add(c);
            assertThat(c.next(Duration.ofSeconds(20))).as("sound on connection " + i).isNotNull();
          }
          try (AudioClient fifth =
              AudioClient.open(connect(alice, id).getString("audioUrl"), origin())) {
            assertThat(fifth.closeCode(CLOSE)).isEqualTo(4429);
          }
          listening.remove(0).close();
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () -> {
                    try (AudioClient again =
                        AudioClient.open(connect(alice, id).getString("audioUrl"), origin())) {
                      assertThat(again.next(Duration.ofSeconds(5))).isNotNull();
                    }
                  });
        } finally {
          listening.forEach(AudioClient::close);
        }

        // The admin takes audio away: tickets carry none, and one issued before no longer opens.
        String issuedBefore = connect(alice, id).getString("audioUrl");
        template.put("audio", false);
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        assertThat(connect(alice, id).getString("audioUrl")).isNull();
        try (AudioClient late = AudioClient.open(issuedBefore, origin())) {
          assertThat(late.closeCode(CLOSE)).isEqualTo(4410);
          assertThat(late.closeReason()).contains("no audio");
        }
      } finally {
        run(alice, "desktops", "DeleteDesktop", "id", id);
        Desktops.awaitState(alice, id, "DELETED");
      }
    }
  }

  /**
   * Records the desktop's microphone while {@code pcm} (mono) is sent as packets in real time;
   * returns the loudest sample the desktop heard.
   */
  private static double recordWhileSending(DesktopSound sound, AudioClient viewer, byte[] pcm)
      throws Exception {
    Process rec = sound.recordMicrophone();
    ByteArrayOutputStream heard = new ByteArrayOutputStream();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (InputStream in = rec.getInputStream()) {
                    in.transferTo(heard);
                  } catch (IOException ended) {
                    // the recorder was stopped
                  }
                });
    Thread.sleep(300); // the recorder connects
    List<byte[]> packets = DesktopSound.microphonePackets(pcm);
    for (byte[] p : packets) {
      viewer.send(p);
      Thread.sleep(AudioCodec.FRAME_MILLIS);
    }
    Thread.sleep(500);
    rec.destroy();
    reader.join(5_000);
    byte[] bytes = heard.toByteArray();
    return DesktopSound.peak(bytes, bytes.length);
  }

  private String origin() {
    return "http://localhost:" + base.getPort();
  }

  private static JsonPath connect(String token, String id) {
    JsonPath r = run(token, "connect", "ConnectDesktop", "id", id);
    assertThat(r.getString("data.connectDesktop.url")).as(r.prettify()).isNotNull();
    return r.setRootPath("data.connectDesktop");
  }

  private static String displayAsAudio(JsonPath ticket) {
    return ticket.getString("url").replace("/display/v1/", "/audio/v1/");
  }

  private static String audioAsDisplay(JsonPath ticket) {
    return ticket.getString("audioUrl").replace("/audio/v1/", "/display/v1/");
  }
}
