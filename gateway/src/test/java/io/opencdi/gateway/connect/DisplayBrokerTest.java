package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Rfb;
import io.opencdi.gateway.testing.Xvnc;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ProtocolVersion;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.jwt.build.Jwt;
import java.net.URL;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The display broker end to end with real parts: a real agent process dials back with the tunnel
 * and splices it to a real TigerVNC server, which speaks RFB through gateway and agent to the
 * test's WebSocket client. The agent's simulated cluster {@code tun-vnc} shows that Xvnc as every
 * running desktop's display; {@code tun-dark} has no display; {@code tun-gone}'s display port is
 * closed.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisplayBrokerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String FLEET =
      """
      clusters:
        - name: tun-vnc
          region: ap-vnc
          nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
        - name: tun-dark
          region: ap-dark
          nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
        - name: tun-gone
          region: ap-gone
          nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  private Xvnc xvnc;
  private AgentProcess agent;
  private String alice;
  private String bob;
  private String admin;
  private String aliceVnc;
  private boolean ready;

  @BeforeEach
  void start() {
    if (agent != null) {
      assertThat(ready).as("the agent and the first desktop came up in an earlier setup").isTrue();
      return;
    }
    xvnc = Xvnc.start();
    agent =
        AgentProcess.start(
            base.getPort(),
            PostgresResource.AGENT_TOKEN,
            FLEET,
            "broker-agent",
            Map.of(
                "opencdi.agent.simulated.shared-displays.tun-vnc",
                "127.0.0.1:" + xvnc.port(),
                "opencdi.agent.simulated.shared-displays.tun-gone",
                "127.0.0.1:" + Xvnc.freePort()));
    admin = login("admin");
    alice = login("alice");
    bob = login("bob");
    agent.awaitReady(admin, "tun-vnc", "tun-dark", "tun-gone");
    aliceVnc = runningDesktop(alice, "ap-vnc", "tun-vnc");
    ready = true;
  }

  @AfterAll
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (xvnc != null) {
      xvnc.close();
    }
  }

  @Test
  void rfbFlowsThroughGatewayAndAgentAndAReconnectFindsTheSameDesktop() throws Exception {
    JsonPath ticket = run(alice, "connect", "ConnectDesktop", "id", aliceVnc);
    String url = ticket.getString("data.connectDesktop.url");
    assertThat(url)
        .as(ticket.prettify())
        .startsWith("ws://localhost:" + base.getPort() + "/display/v1/dt_");
    assertThat(ticket.getString("data.connectDesktop.desktopId")).isEqualTo(aliceVnc);
    assertThat(OffsetDateTime.parse(ticket.getString("data.connectDesktop.expiresAt")))
        .isAfter(OffsetDateTime.now())
        .isBefore(OffsetDateTime.now().plusSeconds(61));

    String name;
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      assertThat(viewer.subprotocol()).isEqualTo("binary");
      Rfb.ServerInit init = Rfb.handshake(viewer);
      assertThat(init.width()).isEqualTo(Xvnc.WIDTH);
      assertThat(init.height()).isEqualTo(Xvnc.HEIGHT);
      assertThat(Rfb.requestFullUpdate(viewer, init)).as("FramebufferUpdate").isZero();
      name = init.name();
    }
    // The viewer dropped; a new ticket reaches the same running desktop (no subprotocol this time).
    String again =
        run(alice, "connect", "ConnectDesktop", "id", aliceVnc)
            .getString("data.connectDesktop.url");
    try (DisplayClient viewer = DisplayClient.open(again, Map.of(), null)) {
      Rfb.ServerInit init = Rfb.handshake(viewer);
      assertThat(init.name()).isEqualTo(name);
      assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
    }
    assertThat(Desktops.state(alice, aliceVnc)).isEqualTo("RUNNING");
  }

  @Test
  void aTicketWorksOnce() throws Exception {
    String url = ticket(alice, aliceVnc);
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      Rfb.handshake(viewer);
    }
    try (DisplayClient replay = DisplayClient.open(url, origin(), "binary")) {
      assertThat(replay.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.TICKET_USED);
      assertThat(replay.closeReason()).contains("used");
    }
  }

  @Test
  void aDisplayEndsWhenTheSessionThatOpenedItExpires() throws Exception {
    String aliceId = run(alice, "auth", "Me").getString("data.me.id");
    String shortLived =
        Jwt.issuer("https://opencdi.local/built-in")
            .upn("alice")
            .subject(aliceId)
            .claim(TokenService.USER_ID_CLAIM, aliceId)
            .groups(Set.of("user"))
            .expiresIn(6)
            .sign();
    String url = ticket(shortLived, aliceVnc);
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.SESSION_EXPIRED);
    }
  }

  @Test
  void aDisplayEndsWhenTheSessionThatOpenedItSignsOut() throws Exception {
    String session = login("alice");
    String url = ticket(session, aliceVnc);
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      Rfb.handshake(viewer);
      assertThat(run(session, "auth", "Logout").getBoolean("data.logout")).isTrue();
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.SESSION_EXPIRED);
      assertThat(viewer.closeReason()).contains("signed out");
    }
    // Alice's other session keeps its own display.
    try (DisplayClient other = DisplayClient.open(ticket(alice, aliceVnc), origin(), "binary")) {
      Rfb.handshake(other);
    }
  }

  @Test
  void forgedTicketsAreRefused() throws Exception {
    String url = ticket(alice, aliceVnc);
    String prefix = url.substring(0, url.lastIndexOf('/') + 1);
    String real = url.substring(url.lastIndexOf('/') + 1);
    String altered = real.substring(0, real.length() - 1) + (real.endsWith("A") ? "B" : "A");
    for (String forged : new String[] {Tickets.generate(), "nonsense", altered}) {
      try (DisplayClient viewer = DisplayClient.open(prefix + forged, origin(), "binary")) {
        assertThat(viewer.closeCode(WAIT)).as(forged).isEqualTo(DisplayCloseCodes.TICKET_INVALID);
      }
    }
  }

  @Test
  void anotherUserCannotObtainATicketForTheDesktop() {
    JsonPath refused = run(bob, "connect", "ConnectDesktop", "id", aliceVnc);
    assertThat(errorCode(refused)).isEqualTo("NOT_FOUND");
    assertThat(errorMessage(refused))
        .isEqualTo(
            errorMessage(
                run(
                    bob,
                    "connect",
                    "ConnectDesktop",
                    "id",
                    java.util.UUID.randomUUID().toString())))
        .as("someone else's desktop looks exactly like a missing one");
    assertThat(errorCode(run(null, "connect", "ConnectDesktop", "id", aliceVnc)))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(alice, "connect", "ConnectDesktop", "id", "not-an-id")))
        .isEqualTo("VALIDATION");
  }

  @Test
  void aPageFromAnotherOriginIsRefusedWithoutUsingTheTicket() throws Exception {
    String url = ticket(alice, aliceVnc);
    try (DisplayClient viewer = DisplayClient.open(url, "https://evil.example", "binary")) {
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.ORIGIN_FORBIDDEN);
    }
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      assertThat(Rfb.handshake(viewer).width()).isEqualTo(Xvnc.WIDTH);
    }
  }

  @Test
  void aDesktopWithoutADisplayIsRefusedWithItsOwnCode() throws Exception {
    String dark = runningDesktop(alice, "ap-dark", "tun-dark");
    try (DisplayClient viewer = DisplayClient.open(ticket(alice, dark), origin(), "binary")) {
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.NO_DISPLAY);
    }
    String gone = runningDesktop(alice, "ap-gone", "tun-gone");
    try (DisplayClient viewer = DisplayClient.open(ticket(alice, gone), origin(), "binary")) {
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.DISPLAY_UNREACHABLE);
    }
  }

  @Test
  void aStoppedDesktopGivesNoTicketAndAnEarlierTicketNoDisplay() throws Exception {
    String id = runningDesktop(alice, "ap-dark", "tun-dark");
    String url = ticket(alice, id);
    run(alice, "desktops", "StopDesktop", "id", id);
    try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.DESKTOP_NOT_RUNNING);
    }
    await().atMost(WAIT).until(() -> "STOPPED".equals(Desktops.state(alice, id)));
    assertThat(errorCode(run(alice, "connect", "ConnectDesktop", "id", id)))
        .isEqualTo("INVALID_STATE");
  }

  @Test
  void textFramesEndTheSession() throws Exception {
    try (DisplayClient viewer = DisplayClient.open(ticket(alice, aliceVnc), origin(), "binary")) {
      Rfb.handshake(viewer);
      viewer.writeText("hello");
      assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.TEXT_NOT_ACCEPTED);
    }
  }

  @Test
  void tunnelDialBacksNeedAnAgentTokenAndATunnelThatWaits() throws Exception {
    String url =
        "ws://localhost:" + base.getPort() + ProtocolVersion.tunnelPath(Tickets.tunnelId());
    try (DisplayClient noToken = DisplayClient.open(url, Map.of(), null)) {
      assertThat(noToken.closeCode(WAIT)).isEqualTo(CloseCodes.UNAUTHORIZED);
    }
    try (DisplayClient unknown =
        DisplayClient.open(url, bearer(PostgresResource.AGENT_TOKEN), null)) {
      assertThat(unknown.closeCode(WAIT)).isEqualTo(CloseCodes.UNKNOWN_TUNNEL);
    }
    try (DisplayClient forged = DisplayClient.open(url, bearer("ocdi_forged"), null)) {
      assertThat(forged.closeCode(WAIT)).isEqualTo(CloseCodes.UNAUTHORIZED);
    }
  }

  // ---- helpers

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private String origin() {
    return "http://localhost:" + base.getPort();
  }

  private String ticket(String token, String desktopId) {
    JsonPath r = run(token, "connect", "ConnectDesktop", "id", desktopId);
    String url = r.getString("data.connectDesktop.url");
    assertThat(url).as(r.prettify()).isNotNull();
    return url;
  }

  private String runningDesktop(String token, String region, String cluster) {
    return Desktops.running(
        token,
        Map.of("templateId", Desktops.templateId(admin, "openbox-small"), "region", region),
        cluster);
  }

  private static String errorMessage(JsonPath r) {
    return r.getString("errors[0].message").replaceAll("[0-9a-f-]{36}", "<id>");
  }
}
