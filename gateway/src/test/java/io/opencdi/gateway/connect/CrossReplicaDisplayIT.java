package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.loginAt;
import static io.opencdi.gateway.testing.GraphQL.runAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.Rfb;
import io.opencdi.gateway.testing.RfbPeer;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.opencdi.gateway.testing.Xvnc;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ProtocolVersion;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Two gateway replicas on one PostgreSQL behind an imaginary load balancer, and one real agent
 * linked to replica A whose simulated cluster shows a real Xvnc: a viewer that lands on replica B,
 * which has no link to the agent, still reaches the desktop, because B asks A through the database
 * and the agent dials back to B directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossReplicaDisplayIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String FLEET =
      """
      clusters:
        - name: x-vnc
          region: xr-vnc
          nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
      """;

  private Path dir;
  private EmbeddedPostgres postgres;
  private GatewayProcess a;
  private GatewayProcess b;
  private AgentProcess agent;
  private Xvnc xvnc;
  private String alice;
  private String desktop;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("opencdi-cross-replica");
    String agentToken = AgentTokens.generate();
    postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true);
    Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
    config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
    config.put("opencdi.agents.bootstrap-agent-name", "display-agent");
    // A template's minutes pass in seconds here, as in the test profile (auto power-off below).
    config.put("opencdi.limits.minute", "1s");
    config.put("opencdi.limits.check-interval", "0.2s");
    a = GatewayProcess.start("gateway-a", config, agentToken);
    b = GatewayProcess.start("gateway-b", config, agentToken);
    xvnc = Xvnc.start();
    agent =
        AgentProcess.start(
            a.port(),
            agentToken,
            FLEET,
            "display-agent",
            Map.of("opencdi.agent.simulated.shared-displays.x-vnc", "127.0.0.1:" + xvnc.port()));
    a.awaitReady(Duration.ofSeconds(180));
    b.awaitReady(Duration.ofSeconds(180));
    String admin = loginAt(a.port(), "admin");
    for (GatewayProcess replica : List.of(a, b)) {
      await()
          .atMost(Duration.ofSeconds(180))
          .untilAsserted(
              () ->
                  assertThat(
                          runAt(replica.port(), admin, "clusters", "Clusters")
                              .getList("data.clusters.findAll { it.ready }.name"))
                      .as(agent::log)
                      .contains("x-vnc"));
    }
    alice = loginAt(b.port(), "alice");
    Map<String, Object> in = new HashMap<>();
    in.put(
        "templateId",
        runAt(b.port(), admin, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
    in.put("region", "xr-vnc");
    JsonPath created = runAt(b.port(), alice, "desktops", "CreateDesktop", "input", in);
    desktop = created.getString("data.createDesktop.id");
    assertThat(desktop).as(created.prettify()).isNotNull();
    await()
        .atMost(WAIT)
        .until(
            () ->
                "RUNNING"
                    .equals(
                        runAt(b.port(), alice, "desktops", "Desktop", "id", desktop)
                            .getString("data.desktop.state")));
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {agent, b, a, xvnc, postgres}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  void aViewerOnTheReplicaWithoutTheAgentsLinkDrawsTheDesktop() throws Exception {
    // The ticket is taken on A; the load balancer sends the viewer's WebSocket to B.
    String fromA = a.displayTicket(alice, desktop);
    try (DisplayClient viewer = DisplayClient.open(b.routed(fromA), b.origin(), "binary")) {
      Rfb.ServerInit init = Rfb.handshake(viewer);
      assertThat(init.width()).as(b::log).isEqualTo(Xvnc.WIDTH);
      assertThat(init.height()).isEqualTo(Xvnc.HEIGHT);
      assertThat(Rfb.requestFullUpdate(viewer, init)).as("FramebufferUpdate").isZero();
    }
    // Both halves on B: ticket and viewer.
    try (DisplayClient viewer =
        DisplayClient.open(b.displayTicket(alice, desktop), b.origin(), "binary")) {
      Rfb.ServerInit init = Rfb.handshake(viewer);
      assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
    }
    // And the replica with the link still serves its own viewers.
    try (DisplayClient viewer =
        DisplayClient.open(b.displayTicket(alice, desktop), Map.of(), "binary")) {
      String onA = a.routed(a.displayTicket(alice, desktop));
      try (DisplayClient second = DisplayClient.open(onA, a.origin(), "binary")) {
        assertThat(Rfb.handshake(second).width()).isEqualTo(Xvnc.WIDTH);
      }
      assertThat(Rfb.handshake(viewer).width()).isEqualTo(Xvnc.WIDTH);
    }
  }

  @Test
  void aTicketUsedOnOneReplicaIsRefusedOnTheOther() throws Exception {
    String url = a.displayTicket(alice, desktop);
    try (DisplayClient viewer = DisplayClient.open(b.routed(url), b.origin(), "binary")) {
      Rfb.handshake(viewer);
    }
    for (GatewayProcess replica : List.of(a, b)) {
      try (DisplayClient replay =
          DisplayClient.open(replica.routed(url), replica.origin(), "binary")) {
        assertThat(replay.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.TICKET_USED);
      }
    }
  }

  /**
   * Someone who can read the replicas' NOTIFY traffic learns a waiting tunnel's id and dials back
   * to B before the agent: without the agent's token, or with a made-up one, B refuses, and the
   * viewer still gets its desktop.
   */
  @Test
  void aForgedDialBackWithTheTunnelIdIsRefusedAndTheViewerStillConnects() throws Exception {
    try (Connection listener = listen()) {
      String url = b.routed(a.displayTicket(alice, desktop));
      try (DisplayClient viewer = DisplayClient.open(url, b.origin(), "binary")) {
        String tunnelId = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (tunnelId == null && System.nanoTime() < deadline) {
          for (JsonObject e : notifications(listener)) {
            if ("open".equals(e.getString("op"))) {
              tunnelId = e.getString("tunnelId");
            }
          }
        }
        assertThat(tunnelId).as("B asked the other replicas for a tunnel").isNotNull();
        String dialBack = "ws://localhost:" + b.port() + ProtocolVersion.tunnelPath(tunnelId);
        try (DisplayClient noToken = DisplayClient.open(dialBack, Map.of(), null)) {
          assertThat(noToken.closeCode(WAIT)).isEqualTo(CloseCodes.UNAUTHORIZED);
        }
        try (DisplayClient forged =
            DisplayClient.open(
                dialBack, Map.of("Authorization", "Bearer " + AgentTokens.generate()), null)) {
          assertThat(forged.closeCode(WAIT)).isEqualTo(CloseCodes.UNAUTHORIZED);
        }
        assertThat(Rfb.handshake(viewer).width()).isEqualTo(Xvnc.WIDTH);
      }
    }
  }

  /**
   * A forged tunnel request written straight into the database names an attacker's server as the
   * replica to dial back to: A forwards it, the agent refuses to dial a host it does not trust, so
   * its token never reaches the attacker.
   */
  @Test
  void aForgedRequestNamingAnAttackersAddressNeverGetsTheAgentsToken() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger attempts = new AtomicInteger();
    HttpServer attacker =
        vertx
            .createHttpServer()
            .requestHandler(
                r -> {
                  attempts.incrementAndGet();
                  r.response().setStatusCode(404).end();
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    try (Connection db = listen()) {
      String clusterId;
      try (Statement s = db.createStatement();
          var rs = s.executeQuery("select id from cluster where name = 'x-vnc'")) {
        assertThat(rs.next()).isTrue();
        clusterId = rs.getString(1);
      }
      String tunnelId = Tickets.tunnelId();
      JsonObject forged =
          new JsonObject()
              .put("op", "open")
              .put("tunnelId", tunnelId)
              .put("clusterId", clusterId)
              .put("clusterName", "x-vnc")
              .put("desktopId", desktop)
              .put("dialBackUrl", "ws://127.0.0.1:" + attacker.actualPort());
      try (PreparedStatement notify = db.prepareStatement("select pg_notify(?, ?)")) {
        notify.setString(1, Channels.TUNNEL);
        notify.setString(2, forged.encode());
        notify.execute();
      }
      String cause = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (cause == null && System.nanoTime() < deadline) {
        for (JsonObject e : notifications(db)) {
          if ("refused".equals(e.getString("op")) && tunnelId.equals(e.getString("tunnelId"))) {
            cause = e.getString("cause");
          }
        }
      }
      assertThat(cause).as(agent::log).isEqualTo("DIAL_BACK_REFUSED");
      assertThat(attempts).as("connections the attacker's server received").hasValue(0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    // Nothing changed: the desktop still connects.
    try (DisplayClient viewer =
        DisplayClient.open(b.displayTicket(alice, desktop), b.origin(), "binary")) {
      assertThat(Rfb.handshake(viewer).width()).isEqualTo(Xvnc.WIDTH);
    }
  }

  // ---- helpers

  private Connection listen() throws Exception {
    Connection c =
        DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.ROLE, postgres.password());
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + Channels.TUNNEL);
    }
    return c;
  }

  private static List<JsonObject> notifications(Connection c) throws Exception {
    PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(200);
    List<JsonObject> events = new ArrayList<>();
    for (PGNotification n : got == null ? new PGNotification[0] : got) {
      events.add(new JsonObject(n.getParameter()));
    }
    return events;
  }

  /**
   * Whichever replica sweeps for unused desktops, a viewer on the other one keeps its desktop on:
   * presence is recorded in the database, not in the replica that holds the agent's link.
   */
  @Test
  void aViewerOnEitherReplicaKeepsItsDesktopOnAndItPowersOffOnceTheViewerLeaves() throws Exception {
    String admin = loginAt(a.port(), "admin");
    Map<String, Object> template = SharedDisplayFleet.templateInput("xr-power");
    template.put("autoPowerOffMinutes", 2);
    JsonPath made = runAt(a.port(), admin, "templates", "CreateTemplate", "input", template);
    String templateId = made.getString("data.createTemplate.id");
    assertThat(templateId).as(made.prettify()).isNotNull();
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", "xr-vnc");
    String id =
        runAt(b.port(), alice, "desktops", "CreateDesktop", "input", in)
            .getString("data.createDesktop.id");
    await().atMost(WAIT).until(() -> "RUNNING".equals(stateOf(id)));

    // A viewer on B (which has no link to the agent), then one on A taking over before B's
    // leaves: each holds the desktop on for three times the limit while it only looks.
    DisplayClient onB = viewerAt(b, id);
    holdOn(id, onB, "a viewer on B");
    DisplayClient onA = viewerAt(a, id);
    onB.close();
    holdOn(id, onA, "a viewer on A");
    onA.close();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonPath d = runAt(b.port(), alice, "desktops", "Desktop", "id", id);
              assertThat(d.getString("data.desktop.power")).isEqualTo("OFF");
              assertThat(d.getString("data.desktop.statusReason"))
                  .matches("powered off after \\d+ minutes? without a viewer");
            });
    runAt(b.port(), alice, "desktops", "DeleteDesktop", "id", id);
  }

  private DisplayClient viewerAt(GatewayProcess replica, String id) throws Exception {
    String url =
        runAt(a.port(), alice, "connect", "ConnectDesktop", "id", id)
            .getString("data.connectDesktop.url");
    return DisplayClient.open(replica.routed(url), replica.origin(), "binary");
  }

  private void holdOn(String id, DisplayClient display, String viewer) throws Exception {
    RfbPeer peer = RfbPeer.through(display).handshake();
    Instant until = Instant.now().plusSeconds(6);
    while (Instant.now().isBefore(until)) {
      assertThat(stateOf(id)).as("a desktop with " + viewer).isEqualTo("RUNNING");
      // A FramebufferUpdateRequest of 16 × 16 pixels: looking, not input.
      peer.writeRaw(new byte[] {3, 0, 0, 0, 0, 0, 0, 16, 0, 16});
      Thread.sleep(500);
    }
    assertThat(display.isClosed()).as(viewer + " is still connected").isFalse();
  }

  private String stateOf(String id) {
    return runAt(b.port(), alice, "desktops", "Desktop", "id", id).getString("data.desktop.state");
  }
}
