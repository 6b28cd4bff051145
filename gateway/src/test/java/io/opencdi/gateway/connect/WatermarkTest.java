package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RfbPeer;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The template's watermark is in the pixels a viewer receives (ADR 0040): a real desktop of the
 * agent's {@code local} runtime draws it inside its own X session, and these tests read the whole
 * framebuffer through the gateway's broker as any RFB client would. The watermark program draws in
 * one grey (#9a9a9a) that nothing else on an Openbox desktop with a terminal uses, so its pixels
 * are the watermark's glyphs.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class WatermarkTest {
  private static final int GREY = 0x9a9a9a;
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Rows of 30-odd characters across 1280×800: thousands of glyph pixels, never a handful. */
  private static final int DRAWN = 2000;

  @TestHTTPResource("/")
  URL base;

  @Test
  void theWatermarkIsDrawnInEveryFrameNamesWhoeverLooksAndGoesWhenTheTemplateDropsIt()
      throws Exception {
    Path data = Files.createTempDirectory("opencdi-watermark-desktops");
    String alice = login("alice");
    String admin = login("admin");
    try (AgentProcess agent =
        AgentProcess.local(
            base.getPort(),
            "watermark-agent",
            "wm-local",
            "ap-wm",
            data,
            Map.of("opencdi.agent.local.geometry", "1280x800"))) {
      agent.awaitReady(admin, "wm-local");
      Map<String, Object> template = SharedDisplayFleet.templateInput("watermarked");
      template.put("watermark", "{user} on {desktop} at {time}");
      JsonPath made = run(admin, "templates", "CreateTemplate", "input", template);
      String templateId = made.getString("data.createTemplate.id");
      assertThat(templateId).as(made.prettify()).isNotNull();

      Map<String, Object> in = new HashMap<>();
      in.put("templateId", templateId);
      in.put("region", "ap-wm");
      in.put("name", "quarterly-figures");
      JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
      String id = created.getString("data.createDesktop.id");
      assertThat(created.getString("data.createDesktop.cluster.name"))
          .as(created.prettify())
          .isEqualTo("wm-local");
      try {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> assertThat(Desktops.state(alice, id)).as(agent::log).isEqualTo("RUNNING"));

        // The owner looks: the watermark comes with the connection and is in the frame.
        BitSet forAlice = awaitWatermark(alice, id, null, agent);
        assertThat(forAlice.cardinality()).isGreaterThan(DRAWN);
        // What any client receives, kept for the README (docs/screenshots/watermark.png).
        save(frame(alice, id), 1280, 800, Path.of("target/screenshots/watermark.png"));

        // An admin looks at the same desktop: the watermark now names the admin, drawn anew.
        BitSet forAdmin = awaitWatermark(admin, id, forAlice, agent);
        assertThat(forAdmin).isNotEqualTo(forAlice);

        // The admin drops the watermark from the template: the next connection has none.
        Map<String, Object> plain = SharedDisplayFleet.templateInput("watermarked");
        JsonPath updated =
            run(admin, "templates", "UpdateTemplate", "id", templateId, "input", plain);
        assertThat(updated.getString("data.updateTemplate.watermark"))
            .as(updated.prettify())
            .isNull();
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> assertThat(grey(frame(alice, id)).cardinality()).as(agent::log).isZero());
      } finally {
        // Local desktops are processes on this host: remove this one before the agent goes.
        run(alice, "desktops", "DeleteDesktop", "id", id);
        Desktops.awaitState(alice, id, "DELETED");
      }
    }
  }

  /**
   * Connects as {@code token}'s user until the frame shows the watermark, drawn differently from
   * {@code other} when given; returns where its pixels are.
   */
  private BitSet awaitWatermark(String token, String id, BitSet other, AgentProcess agent) {
    AtomicReference<BitSet> seen = new AtomicReference<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              BitSet drawn = grey(frame(token, id));
              assertThat(drawn.cardinality()).as(agent::log).isGreaterThan(DRAWN);
              if (other != null) {
                assertThat(drawn).isNotEqualTo(other);
              }
              seen.set(drawn);
            });
    return seen.get();
  }

  /** The whole screen of the desktop (0xRRGGBB per pixel), through the broker on a new ticket. */
  private int[] frame(String token, String id) throws Exception {
    try (RfbPeer viewer =
        RfbPeer.through(
                DisplayClient.open(
                    SharedDisplayFleet.ticket(token, id).getString("data.connectDesktop.url"),
                    "http://localhost:" + base.getPort(),
                    "binary"))
            .handshake()) {
      viewer.setEncodings(RfbPeer.RAW);
      viewer.fullUpdate();
      int[] pixels = new int[viewer.width() * viewer.height()];
      for (int y = 0; y < viewer.height(); y++) {
        for (int x = 0; x < viewer.width(); x++) {
          pixels[y * viewer.width() + x] = viewer.pixel(x, y);
        }
      }
      return pixels;
    }
  }

  private static void save(int[] pixels, int width, int height, Path png) throws Exception {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, width, height, pixels, 0, width);
    Files.createDirectories(png.getParent());
    javax.imageio.ImageIO.write(image, "png", png.toFile());
  }

  private static BitSet grey(int[] pixels) {
    BitSet out = new BitSet(pixels.length);
    for (int i = 0; i < pixels.length; i++) {
      if (pixels[i] == GREY) {
        out.set(i);
      }
    }
    return out;
  }
}
