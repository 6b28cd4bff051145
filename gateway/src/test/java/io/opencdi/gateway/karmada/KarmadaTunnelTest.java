package io.opencdi.gateway.karmada;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.opencdi.gateway.agent.AgentBootstrap;
import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RawAgent;
import io.opencdi.gateway.testing.Rfb;
import io.opencdi.gateway.testing.Xvnc;
import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.opencdi.testing.kubernetes.MemberCluster;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A member cluster that Karmada commands gets a tunnel-only agent link (ADR 0048): the agent in the
 * member dials in, serves its desktops' displays, live state and snapshots, and takes no placement
 * commands. The gateway writes desktops to Karmada (fabric8's mock in CRUD mode); the test plays
 * Karmada's propagation and status reflection between it and the member's API server (another
 * mock), where a real agent process with the kubernetes runtime reconciles the Desktop and the test
 * plays the scheduler, the kubelet, metrics-server and the CSI snapshot controller. The desktop's
 * display is a real Xvnc behind its Service. Each test has Karmada clusters of its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(value = KarmadaMockResource.class, restrictToAnnotatedClass = true)
class KarmadaTunnelTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String NS = KarmadaMock.NS;
  // A region no other test's clusters are in: the desktops below prefer it.
  private static final String REGION = "sa-east";
  private static final ResourceDefinitionContext VOLUME_SNAPSHOTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshot")
          .withPlural("volumesnapshots")
          .withNamespaced(true)
          .build();

  @TestHTTPResource("/")
  URL base;

  @Inject AgentBootstrap agents;
  @Inject Pool pool;

  private KarmadaMock karmada;
  private String admin;
  private String alice;
  private final String n = UUID.randomUUID().toString().substring(0, 8);
  private final String member = "kmd-sao-" + n;
  private final String other = "kmd-rio-" + n;

  @BeforeEach
  void fleet() {
    karmada = KarmadaMockResource.karmada();
    for (String name : List.of(member, other)) {
      karmada.cluster(
          name,
          REGION,
          REGION + "-1a",
          true,
          Map.of("cpu", "16", "memory", "64Gi", "pods", "110"),
          Map.of(),
          Map.of(),
          Map.of(io.opencdi.gateway.karmada.MemberCluster.STORAGE_CLASSES_ANNOTATION, "longhorn"));
    }
    admin = login("admin");
    alice = login("alice");
    await()
        .atMost(WAIT)
        .until(() -> Boolean.TRUE.equals(cluster(member).get("ready")) && cluster(other) != null);
  }

  @AfterEach
  void unjoin() {
    karmada.removeCluster(member);
    karmada.removeCluster(other);
  }

  private static ConditionFactory eventually() {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(50));
  }

  private Map<String, Object> cluster(String name) {
    return run(admin, "clusters", "Clusters")
        .getMap("data.clusters.find { it.name == '" + name + "' }");
  }

  /** An agent of its own, as an operator creates one per member cluster; returns its token. */
  private String newAgent(String name) {
    String token = AgentTokens.generate();
    agents.register(name, token).await().atMost(Duration.ofSeconds(10));
    return token;
  }

  private String joinToken(String cluster) {
    JsonPath r = run(admin, "clusters", "RegisterCluster", "name", cluster);
    String token = r.getString("data.registerCluster.joinToken");
    assertThat(token).as(r.prettify()).isNotNull();
    return token;
  }

  private Object tunnelAgentOf(String cluster) {
    Row row =
        pool.preparedQuery("select tunnel_agent_id from cluster where name = $1")
            .execute(Tuple.of(cluster))
            .await()
            .atMost(Duration.ofSeconds(10))
            .iterator()
            .next();
    return row.getValue("tunnel_agent_id");
  }

  private static Hello tunnelHello(String cluster, List<String> joinTokens) {
    return new Hello(
        ProtocolVersion.CURRENT,
        "member-agent",
        "kubernetes",
        List.of(RawAgent.cluster(cluster, REGION, 1)),
        List.of(),
        joinTokens,
        true);
  }

  private String createDesktop() {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId("xfce"));
    in.put("region", REGION);
    JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
    String id = created.getString("data.createDesktop.id");
    assertThat(id).as(created.prettify()).isNotNull();
    assertThat(created.getString("data.createDesktop.cluster.name")).isIn(member, other);
    eventually().until(() -> "SCHEDULED".equals(Desktops.state(alice, id)));
    return id;
  }

  private String templateId(String name) {
    return run(admin, "templates", "Templates")
        .getString("data.templates.find { it.name == '" + name + "' }.id");
  }

  @Test
  void aDesktopPlacedThroughKarmadaIsConnectedToShowsItsUseAndIsSnapshotted() throws Exception {
    try (KarmadaMember sao = new KarmadaMember(karmada, member, REGION);
        Xvnc xvnc = Xvnc.start()) {
      MemberCluster k8s = sao.api();
      // Only this cluster in Karmada may be chosen, so the desktop runs where the agent is.
      karmada.removeCluster(other);
      String token = newAgent("member-" + n);
      try (AgentProcess agent =
          AgentProcess.start(
              base.getPort(),
              token,
              "# unused: the kubernetes runtime reads its cluster from the API server\n",
              "member-" + n,
              sao.agentSettings(joinToken(member), xvnc.port()))) {
        eventually()
            .atMost(Duration.ofSeconds(180))
            .untilAsserted(
                () -> assertThat(agent.log()).contains("welcomed by the gateway as a tunnel-only"));
        assertThat(tunnelAgentOf(member)).isNotNull();

        String id = createDesktop();
        String name = "desktop-" + id;
        sao.run(name);
        eventually().until(() -> "RUNNING".equals(Desktops.state(alice, id)));

        // The display: through the member's agent link, from the real Xvnc.
        JsonPath ticket = run(alice, "connect", "ConnectDesktop", "id", id);
        String url = ticket.getString("data.connectDesktop.url");
        assertThat(url).as(ticket.prettify()).isNotNull();
        try (DisplayClient viewer =
            DisplayClient.open(url, "http://localhost:" + base.getPort(), "binary")) {
          Rfb.ServerInit init = Rfb.handshake(viewer);
          assertThat(init.width()).isEqualTo(Xvnc.WIDTH);
          assertThat(Rfb.requestFullUpdate(viewer, init)).as("FramebufferUpdate").isZero();
        }

        // Live use: asked of the member's agent, read from metrics-server.
        k8s.create(
            new PodMetricsBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(k8s.pod(name).getMetadata().getLabels())
                .endMetadata()
                .withTimestamp("2026-12-08T01:00:00Z")
                .withWindow(new io.fabric8.kubernetes.api.model.Duration(Duration.ofSeconds(15)))
                .addNewContainer()
                .withName("desktop")
                .withUsage(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("300Mi")))
                .endContainer()
                .build());
        JsonPath live = run(alice, "live", "DesktopLive", "id", id);
        assertThat(live.getInt("data.desktop.live.cpuMillis")).as(live.prettify()).isEqualTo(250);
        assertThat(live.getLong("data.desktop.live.memoryBytes")).isEqualTo(300L << 20);

        // A snapshot: the member's agent takes it as a CSI VolumeSnapshot of the home volume.
        JsonPath taken = run(alice, "snapshots", "SnapshotDesktop", "id", id, "name", "before");
        String snapshotId = taken.getString("data.snapshotDesktop.id");
        assertThat(snapshotId).as(taken.prettify()).isNotNull();
        eventually().until(() -> volumeSnapshot(k8s, name + "-home") != null);
        GenericKubernetesResource vs = volumeSnapshot(k8s, name + "-home");
        vs.setAdditionalProperty("status", Map.of("readyToUse", true, "restoreSize", "20Gi"));
        k8s.admin()
            .genericKubernetesResources(VOLUME_SNAPSHOTS)
            .inNamespace(NS)
            .resource(vs)
            .updateStatus();
        eventually()
            .until(
                () ->
                    "READY"
                        .equals(
                            run(alice, "snapshots", "Snapshot", "id", snapshotId)
                                .getString("data.snapshot.state")));

        // Nothing was asked of the agent that Karmada carries.
        assertThat(agent.log()).doesNotContain("refused command");
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource volumeSnapshot(MemberCluster k8s, String claim) {
    return k8s
        .admin()
        .genericKubernetesResources(VOLUME_SNAPSHOTS)
        .inNamespace(NS)
        .list()
        .getItems()
        .stream()
        .filter(
            v -> {
              Map<String, Object> spec =
                  (Map<String, Object>) v.getAdditionalProperties().get("spec");
              Map<String, Object> source =
                  spec == null ? null : (Map<String, Object>) spec.get("source");
              return source != null && claim.equals(source.get("persistentVolumeClaimName"));
            })
        .findFirst()
        .orElse(null);
  }

  /** An agent of {@code token} says {@code hello}: the gateway closes the link with 4403. */
  private void assertHelloRefused(String token, Hello hello) throws Exception {
    try (RawAgent raw = RawAgent.connect(base.getPort(), token)) {
      raw.send(hello);
      eventually().until(() -> raw.closeCode() != null);
      assertThat(raw.closeCode()).isEqualTo(CloseCodes.FORBIDDEN);
    }
  }

  @Test
  void aTunnelOnlyAgentTakesAKarmadaClusterOnlyWithItsJoinTokenAndOnlyOnce() throws Exception {
    String intruder = newAgent("intruder-" + n);
    // Without the cluster's join token: refused, nothing written.
    assertHelloRefused(intruder, tunnelHello(member, List.of()));
    assertThat(tunnelAgentOf(member)).isNull();
    // A cluster an agent serves is no Karmada cluster: a tunnel-only Hello cannot take its tunnels.
    String owner = newAgent("owner-" + n);
    String owned = "agent-owned-" + n;
    String ownedJoin = joinToken(owned);
    try (RawAgent full = RawAgent.connect(base.getPort(), owner)) {
      full.send(
          new Hello(
              ProtocolVersion.CURRENT,
              "owner",
              "simulated",
              List.of(RawAgent.cluster(owned, "xx-test", 1)),
              List.of(),
              List.of(ownedJoin)));
      eventually().until(() -> !full.received(Welcome.class).isEmpty());
      assertHelloRefused(intruder, tunnelHello(owned, List.of(joinToken(member))));
    }
    // The full agent Hello with a Karmada cluster's token cannot take the cluster either.
    String token = joinToken(member);
    assertHelloRefused(
        intruder,
        new Hello(
            ProtocolVersion.CURRENT,
            "intruder",
            "simulated",
            List.of(RawAgent.cluster(member, REGION, 1)),
            List.of(),
            List.of(token)));
    assertThat(cluster(member)).containsEntry("runtime", "karmada");

    // The member's own agent joins with the token; nobody takes the cluster's tunnels after it.
    String memberAgent = newAgent("member-" + n);
    try (RawAgent raw = RawAgent.connect(base.getPort(), memberAgent)) {
      raw.send(tunnelHello(member, List.of(token)));
      eventually().until(() -> !raw.received(Welcome.class).isEmpty());
      Welcome welcome = raw.received(Welcome.class).get(0);
      assertThat(welcome.desired()).as("Karmada carries the desktops").isEmpty();
    }
    Object joined = tunnelAgentOf(member);
    assertThat(joined).isNotNull();
    JsonPath again = run(admin, "clusters", "RegisterCluster", "name", member);
    assertThat(errorCode(again)).isEqualTo("CONFLICT");
    assertHelloRefused(intruder, tunnelHello(member, List.of(token)));
    assertThat(tunnelAgentOf(member)).isEqualTo(joined);
  }

  @Test
  void aTunnelOnlyLinkReportsNeitherCapacityNorDesktopStates() throws Exception {
    String memberAgent = newAgent("member-" + n);
    String id = createDesktop();
    String on = run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.cluster.name");
    karmada.desktopStatus("desktop-" + id, "RUNNING", "node-1", null);
    eventually().until(() -> "RUNNING".equals(Desktops.state(alice, id)));
    Map<String, Object> before = cluster(on);
    try (RawAgent raw = RawAgent.connect(base.getPort(), memberAgent)) {
      raw.send(tunnelHello(on, List.of(joinToken(on))));
      eventually().until(() -> !raw.received(Welcome.class).isEmpty());
      // A state for a desktop of its cluster is not the agent's to say: Karmada reports it.
      raw.send(new DesktopStatus(id, on, "node-1", DesktopState.FAILED, "taken over", 1L));
      // Invented room on a cluster whose capacity Karmada reports: the link is closed.
      ClusterReport huge = RawAgent.cluster(on, REGION, 50);
      raw.send(new CapacityUpdate(huge, true));
      eventually().until(() -> raw.closeCode() != null);
      assertThat(raw.closeCode()).isEqualTo(CloseCodes.FORBIDDEN);
    }
    assertThat(Desktops.state(alice, id)).isEqualTo("RUNNING");
    assertThat(cluster(on))
        .containsEntry("ready", before.get("ready"))
        .containsEntry("capacity", before.get("capacity"));
    // The link gone, Karmada's cluster is as ready as Karmada says.
    assertThat(cluster(on)).containsEntry("ready", true);
  }
}
