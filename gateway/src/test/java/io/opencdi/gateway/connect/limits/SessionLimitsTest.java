package io.opencdi.gateway.connect.limits;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.connect.DisplayCloseCodes;
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
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The templates' time limits, enforced by the gateway with real parts: raw RFB viewers through the
 * broker and a real agent to a real TigerVNC server, desktops of a simulated cluster, PostgreSQL.
 * In the test profile one of the templates' minutes lasts a second ({@code opencdi.limits.minute}),
 * so limits of a few "minutes" pass in seconds; every wait for a limit to act is generous and no
 * assertion is about speed.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TestHTTPResource("/")
  URL base;

  private SharedDisplayFleet fleet;
  private String admin;
  private String alice;
  private boolean ready;

  @BeforeEach
  void start() {
    if (fleet != null) {
      assertThat(ready).as("the agent came up in an earlier setup").isTrue();
      return;
    }
    fleet = SharedDisplayFleet.start(base.getPort(), "limits-agent", "lim-vnc", "ap-lim");
    admin = login("admin");
    alice = login("alice");
    ready = true;
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void anIdleViewerIsClosedWithTheIdleCodeWhileOneThatMovesTheMouseStays() throws Exception {
    String desktop = runningDesktop(template("lim-idle", Map.of("idleTimeoutMinutes", 3)));
    JsonPath idleTicket = ticket(desktop);
    assertThat(idleTicket.getInt("data.connectDesktop.idleTimeoutMinutes")).isEqualTo(3);
    assertThat(idleTicket.getString("data.connectDesktop.sessionEndsAt")).isNull();
    DisplayClient idle = open(idleTicket);
    DisplayClient moving = open(ticket(desktop));
    RfbPeer idlePeer = viewer(idle);
    RfbPeer movingPeer = viewer(moving);
    AtomicBoolean stop = new AtomicBoolean();
    Thread mouse = Thread.ofVirtual().start(() -> moveMouse(movingPeer, stop));
    try {
      // The idle viewer keeps asking for pixels: update requests are not input.
      Thread updates =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (!idle.isClosed()) {
                        askForPixels(idlePeer);
                        Thread.sleep(300);
                      }
                    } catch (Throwable closed) {
                      // the broker closed it
                    }
                  });
      assertThat(idle.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.INPUT_IDLE);
      assertThat(idle.closeReason()).contains("3 minutes without keyboard or mouse input");
      updates.join(WAIT);
      // The moving viewer outlived the idle one and lives on for more than another idle limit.
      assertThat(moving.isClosed()).as("the viewer that moves the mouse").isFalse();
      Thread.sleep(4_000);
      assertThat(moving.isClosed()).as("the viewer that moves the mouse").isFalse();
    } finally {
      stop.set(true);
      mouse.join(WAIT);
      idle.close();
      moving.close();
    }
  }

  @Test
  void aViewerIsClosedAtTheEndOfItsSessionWhileItWorks() throws Exception {
    String desktop = runningDesktop(template("lim-session", Map.of("maxSessionMinutes", 3)));
    JsonPath ticket = ticket(desktop);
    assertThat(ticket.getString("data.connectDesktop.idleTimeoutMinutes")).isNull();
    String endsAt = ticket.getString("data.connectDesktop.sessionEndsAt");
    assertThat(endsAt).isNotNull();
    DisplayClient working = open(ticket);
    RfbPeer peer = viewer(working);
    AtomicBoolean stop = new AtomicBoolean();
    Thread mouse = Thread.ofVirtual().start(() -> moveMouse(peer, stop));
    try {
      assertThat(working.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.SESSION_LIMIT);
      assertThat(working.closeReason()).contains("time limit");
      assertThat(Instant.now())
          .as("closed at the time the ticket announced, not before")
          .isAfterOrEqualTo(OffsetDateTime.parse(endsAt).toInstant());
    } finally {
      stop.set(true);
      mouse.join(WAIT);
      working.close();
    }
  }

  @Test
  void aDesktopPowersOffOnceItsLastViewerLeftButNotWhileAViewerIsThere() throws Exception {
    Map<String, Object> input = SharedDisplayFleet.templateInput("lim-power");
    String template = template(input);
    // Made without the limit, so it cannot power off before the viewer below is connected.
    String desktop = runningDesktop(template);
    DisplayClient display = open(ticket(desktop));
    RfbPeer peer = viewer(display);
    input.put("autoPowerOffMinutes", 2);
    JsonPath updated = run(admin, "templates", "UpdateTemplate", "id", template, "input", input);
    assertThat(updated.getInt("data.updateTemplate.autoPowerOffMinutes"))
        .as(updated.prettify())
        .isEqualTo(2);

    // A viewer that gives no input but stays connected: three times the limit, still running.
    Instant until = Instant.now().plusSeconds(6);
    while (Instant.now().isBefore(until)) {
      assertThat(Desktops.state(alice, desktop)).as("a desktop with a viewer").isEqualTo("RUNNING");
      askForPixels(peer);
      Thread.sleep(500);
    }
    assertThat(display.isClosed()).isFalse();

    display.close();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonPath d = run(alice, "desktops", "Desktop", "id", desktop);
              assertThat(d.getString("data.desktop.power")).isEqualTo("OFF");
              assertThat(d.getString("data.desktop.state")).isIn("STOPPING", "STOPPED");
            });
    // Powered off, not deleted: it comes back on its cluster, where its home volume is.
    Desktops.awaitState(alice, desktop, "STOPPED");
    // The user is told why, also once the agent has reported the desktop stopped.
    assertThat(
            run(alice, "desktops", "Desktop", "id", desktop).getString("data.desktop.statusReason"))
        .matches("powered off after \\d+ minutes? without a viewer");
    JsonPath started = run(alice, "desktops", "StartDesktop", "id", desktop);
    assertThat(started.getString("data.startDesktop.power")).as(started.prettify()).isEqualTo("ON");
    Desktops.awaitState(alice, desktop, "RUNNING");
    assertThat(
            run(alice, "desktops", "Desktop", "id", desktop).getString("data.desktop.cluster.name"))
        .isEqualTo("lim-vnc");
  }

  @Test
  void aTemplateWithoutLimitsNeverClosesAViewerNorPowersOff() throws Exception {
    String desktop = runningDesktop(template(SharedDisplayFleet.templateInput("lim-none")));
    JsonPath ticket = ticket(desktop);
    assertThat(ticket.getString("data.connectDesktop.idleTimeoutMinutes")).isNull();
    assertThat(ticket.getString("data.connectDesktop.sessionEndsAt")).isNull();
    try (DisplayClient display = open(ticket)) {
      RfbPeer peer = viewer(display);
      // Longer than every limit the other tests set, without any input.
      Thread.sleep(5_000);
      askForPixels(peer);
      Thread.sleep(1_000);
      assertThat(display.isClosed()).isFalse();
    }
    Thread.sleep(5_000);
    assertThat(Desktops.state(alice, desktop)).isEqualTo("RUNNING");
  }

  private static void moveMouse(RfbPeer peer, AtomicBoolean stop) {
    int x = 0;
    try {
      while (!stop.get()) {
        peer.pointer(10 + x, 10);
        x = (x + 1) % 50;
        Thread.sleep(200);
      }
    } catch (Exception closed) {
      // the connection ended
    }
  }

  private String template(String name, Map<String, Object> limits) {
    return fleet.template(admin, name, limits);
  }

  private String template(Map<String, Object> input) {
    return fleet.template(admin, input);
  }

  private String runningDesktop(String templateId) {
    return fleet.runningDesktop(alice, templateId);
  }

  private JsonPath ticket(String desktop) {
    return SharedDisplayFleet.ticket(alice, desktop);
  }

  private DisplayClient open(JsonPath ticket) throws Exception {
    return DisplayClient.open(
        ticket.getString("data.connectDesktop.url"),
        "http://localhost:" + base.getPort(),
        "binary");
  }

  /**
   * A viewer past the handshake. Pixels are asked for in small pieces and never read (the client
   * keeps them): a whole screen of raw pixels through two JVMs can take long on a loaded machine,
   * and the limits are about input and time, not pixels.
   */
  private static RfbPeer viewer(DisplayClient c) throws Exception {
    RfbPeer peer = RfbPeer.through(c).handshake();
    peer.setEncodings(RfbPeer.RAW);
    askForPixels(peer);
    return peer;
  }

  /** A FramebufferUpdateRequest for the 16 × 16 pixels at the top left: not user input. */
  private static void askForPixels(RfbPeer peer) throws Exception {
    peer.writeRaw(new byte[] {3, 0, 0, 0, 0, 0, 0, 16, 0, 16});
  }
}
