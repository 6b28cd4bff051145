package io.opencdi.gateway.karmada;

import static io.opencdi.gateway.testing.GraphQL.loginAt;
import static io.opencdi.gateway.testing.GraphQL.runAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.Rfb;
import io.opencdi.gateway.testing.Xvnc;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A desktop placed through Karmada, seen through two gateway replicas on one PostgreSQL: the
 * member's tunnel-only agent (ADR 48) links to replica A, and a viewer that lands on replica B
 * still draws the desktop, as for an agent's cluster (ADR 27). Karmada and the member are fabric8's
 * mock API servers; the agent is a real process with the kubernetes runtime, the display a real
 * Xvnc behind the desktop's Service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KarmadaCrossReplicaDisplayIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CLUSTER = "kmd-xr";
  private static final String REGION = "xr-kmd";

  private Path dir;
  private EmbeddedPostgres postgres;
  private KarmadaMock karmada;
  private KarmadaMember member;
  private GatewayProcess a;
  private GatewayProcess b;
  private AgentProcess agent;
  private Xvnc xvnc;
  private String alice;
  private String desktop;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("opencdi-karmada-replicas");
    String agentToken = AgentTokens.generate();
    postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true);
    karmada = new KarmadaMock();
    Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
    config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
    config.put("opencdi.agents.bootstrap-agent-name", "member-agent");
    // Ready without a bundled agent's clusters: the member's agent owns none, Karmada reports it.
    config.put("%embedded.opencdi.agents.ready-agent", "");
    config.put("opencdi.karmada.enabled", "true");
    config.put("opencdi.karmada.api-server", karmada.url());
    config.put("opencdi.karmada.namespace", KarmadaMock.NS);
    config.put("opencdi.karmada.resync", "PT1S");
    a = GatewayProcess.start("gateway-a", config, agentToken);
    b = GatewayProcess.start("gateway-b", config, agentToken);
    karmada.cluster(
        CLUSTER,
        REGION,
        REGION + "-1a",
        true,
        Map.of("cpu", "16", "memory", "64Gi", "pods", "110"),
        Map.of(),
        Map.of(),
        Map.of(MemberCluster.STORAGE_CLASSES_ANNOTATION, "longhorn"));
    member = new KarmadaMember(karmada, CLUSTER, REGION);
    xvnc = Xvnc.start();
    a.awaitReady(Duration.ofSeconds(180));
    b.awaitReady(Duration.ofSeconds(180));
    String admin = loginAt(a.port(), "admin");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        runAt(b.port(), admin, "clusters", "Clusters")
                            .getList("data.clusters.findAll { it.ready }.name"))
                    .contains(CLUSTER));
    String joinToken =
        runAt(a.port(), admin, "clusters", "RegisterCluster", "name", CLUSTER)
            .getString("data.registerCluster.joinToken");
    assertThat(joinToken).isNotNull();
    agent =
        AgentProcess.start(
            a.port(),
            agentToken,
            "# unused: the kubernetes runtime reads its cluster from the API server\n",
            "member-agent",
            member.agentSettings(joinToken, xvnc.port()));
    await()
        .atMost(Duration.ofSeconds(180))
        .untilAsserted(
            () -> assertThat(agent.log()).contains("welcomed by the gateway as a tunnel-only"));

    alice = loginAt(b.port(), "alice");
    Map<String, Object> in = new HashMap<>();
    in.put(
        "templateId",
        runAt(b.port(), admin, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
    in.put("region", REGION);
    JsonPath created = runAt(b.port(), alice, "desktops", "CreateDesktop", "input", in);
    desktop = created.getString("data.createDesktop.id");
    assertThat(desktop).as(created.prettify()).isNotNull();
    assertThat(created.getString("data.createDesktop.cluster.name")).isEqualTo(CLUSTER);
    await().atMost(WAIT).until(() -> "SCHEDULED".equals(state()));
    member.run("desktop-" + desktop);
    await().atMost(WAIT).until(() -> "RUNNING".equals(state()));
  }

  private String state() {
    return runAt(b.port(), alice, "desktops", "Desktop", "id", desktop)
        .getString("data.desktop.state");
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {agent, b, a, xvnc, member, karmada, postgres}) {
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
  void aViewerOnTheReplicaWithoutTheMembersLinkDrawsTheKarmadaDesktop() throws Exception {
    // The ticket is taken on A; the load balancer sends the viewer's WebSocket to B.
    try (DisplayClient viewer =
        DisplayClient.open(b.routed(a.displayTicket(alice, desktop)), b.origin(), "binary")) {
      Rfb.ServerInit init = Rfb.handshake(viewer);
      assertThat(init.width()).as(b::log).isEqualTo(Xvnc.WIDTH);
      assertThat(Rfb.requestFullUpdate(viewer, init)).as("FramebufferUpdate").isZero();
    }
    // Both halves on B, and on A, which holds the link.
    for (GatewayProcess replica : List.of(b, a)) {
      try (DisplayClient viewer =
          DisplayClient.open(replica.displayTicket(alice, desktop), replica.origin(), "binary")) {
        Rfb.ServerInit init = Rfb.handshake(viewer);
        assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
      }
    }
  }
}
