package io.opencdi.gateway.live;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Live state resolved through a real agent process (simulated fleet): batched per cluster, only for
 * those allowed to see it, and a slow or absent cluster costs its own fields, not the answer.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveStateTest {
  private static final String FLEET =
      """
      clusters:
        - name: live-fast
          region: live-eu
          zone: live-eu-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: live-slow
          region: live-ap
          zone: live-ap-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 1, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject MeterRegistry meters;

  private AgentProcess agent;
  private String admin;
  private String alice;
  private String bob;
  private String fastId;
  private final List<String> aliceFast = new ArrayList<>();
  private String aliceSlow;
  private String bobFast;

  @BeforeEach
  void fleet() {
    if (agent != null) {
      return;
    }
    // live-slow's agent takes a minute to answer: far beyond the gateway's live-query timeout.
    agent =
        AgentProcess.start(
            base.getPort(),
            PostgresResource.AGENT_TOKEN,
            FLEET,
            "live-agent",
            Map.of("opencdi.agent.simulated.live-delays.live-slow", "60s"));
    admin = login("admin");
    alice = login("alice");
    bob = login("bob");
    awaitReady("live-fast", "live-slow");
    fastId = clusterId("live-fast");
    aliceFast.add(create(alice, "live-eu", "live-fast"));
    aliceFast.add(create(alice, "live-eu", "live-fast"));
    aliceSlow = create(alice, "live-ap", "live-slow");
    bobFast = create(bob, "live-eu", "live-fast");
    for (String id : List.of(aliceFast.get(0), aliceFast.get(1), aliceSlow, bobFast)) {
      Desktops.awaitState(admin, id, "RUNNING");
    }
  }

  @AfterAll
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void everyDesktopOfAClusterIsReadInOneRequest() {
    double before = sent();
    JsonPath r =
        run(
            admin,
            "live",
            "DesktopsLive",
            "filter",
            Map.of("clusterId", fastId, "state", "RUNNING"),
            "first",
            100);

    assertThat(r.getList("errors")).as(r.prettify()).isNull();
    List<Map<String, Object>> nodes = r.getList("data.desktops.edges.node");
    assertThat(nodes)
        .extracting(n -> n.get("id"))
        .containsExactlyInAnyOrder(aliceFast.get(0), aliceFast.get(1), bobFast);
    for (int i = 0; i < nodes.size(); i++) {
      String live = "data.desktops.edges[" + i + "].node.live";
      assertThat(r.getLong(live + ".cpuMillis")).as(r.prettify()).isBetween(1L, 2000L);
      assertThat(r.getLong(live + ".memoryBytes")).isGreaterThan(1L << 20);
      assertThat(r.getString(live + ".observedAt")).isNotBlank();
      assertThat(r.getList(live + ".processes.command", String.class))
          .anyMatch(c -> c.startsWith("Xvnc"));
    }
    assertThat(sent() - before).as("one live query for the one cluster").isEqualTo(1.0);
  }

  @Test
  void aClusterThatDoesNotAnswerInTimeCostsOnlyItsOwnFields() {
    double before = sent();
    JsonPath r =
        run(alice, "live", "DesktopsLive", "filter", Map.of("state", "RUNNING"), "first", 100);

    List<String> ids = r.getList("data.desktops.edges.node.id");
    assertThat(ids).as(r.prettify()).contains(aliceFast.get(0), aliceFast.get(1), aliceSlow);
    for (String id : aliceFast) {
      int i = ids.indexOf(id);
      assertThat(r.getLong("data.desktops.edges[" + i + "].node.live.cpuMillis"))
          .as(r.prettify())
          .isPositive();
    }
    int slow = ids.indexOf(aliceSlow);
    assertThat(r.getMap("data.desktops.edges[" + slow + "].node")).containsEntry("live", null);
    List<Map<String, Object>> errors = r.getList("errors");
    assertThat(errors)
        .as(r.prettify())
        .anySatisfy(
            e -> {
              assertThat(e.get("path"))
                  .isEqualTo(List.of("desktops", "edges", slow, "node", "live"));
              assertThat(((Map<?, ?>) e.get("extensions")).get("code"))
                  .isEqualTo("CLUSTER_TIMEOUT");
              assertThat((String) e.get("message")).contains("live-slow");
            });
    // Alice's desktops of other tests' clusters, whose agents are gone, are not asked at all.
    assertThat(sent() - before).as("one live query per cluster").isEqualTo(2.0);
  }

  @Test
  void theNodeListIsForAdminsOnly() {
    JsonPath r = run(admin, "live", "ClusterNodes", "id", fastId);
    assertThat(r.getList("errors")).as(r.prettify()).isNull();
    assertThat(r.getList("data.cluster.nodes.name", String.class))
        .containsExactly("live-fast-node-001", "live-fast-node-002");
    assertThat(r.getList("data.cluster.nodes.desktops", Integer.class))
        .as("desktops on the nodes")
        .satisfies(l -> assertThat(l.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3));
    assertThat(r.getList("data.cluster.nodes.usedCpuMillis", Long.class))
        .allSatisfy(used -> assertThat(used).isNotNull());
    assertThat(r.getList("data.cluster.nodes.cpuMillis", Long.class)).containsOnly(16000L);

    double before = sent();
    JsonPath denied = run(alice, "live", "ClusterNodes", "id", fastId);
    assertThat(errorCode(denied)).as(denied.prettify()).isEqualTo("FORBIDDEN");
    assertThat(denied.getString("data.cluster.name")).isEqualTo("live-fast");
    assertThat(denied.getMap("data.cluster")).containsEntry("nodes", null);
    assertThat(sent()).as("nothing is asked for a refused caller").isEqualTo(before);
  }

  @Test
  void liveStateOfSomeoneElsesDesktopIsNotShown() {
    JsonPath own = run(alice, "live", "DesktopLive", "id", aliceFast.get(0));
    assertThat(own.getLong("data.desktop.live.cpuMillis")).as(own.prettify()).isPositive();

    double before = sent();
    JsonPath other = run(bob, "live", "DesktopLive", "id", aliceFast.get(0));
    assertThat(errorCode(other)).as(other.prettify()).isEqualTo("NOT_FOUND");
    assertThat(other.getString("data.desktop")).isNull();

    JsonPath anonymous = run(null, "live", "DesktopLive", "id", aliceFast.get(0));
    assertThat(errorCode(anonymous)).isEqualTo("UNAUTHENTICATED");
    assertThat(anonymous.getString("data.desktop")).isNull();
    assertThat(sent()).as("nothing is asked for a refused caller").isEqualTo(before);
  }

  @Test
  void aClusterWhoseAgentIsGoneIsUnavailable() {
    String fleet =
        """
        clusters:
          - name: live-gone
            region: live-gone
            nodes: { count: 1, cpuMillis: 4000, memoryMiB: 8192 }
        """;
    try (AgentProcess other =
        AgentProcess.start(
            base.getPort(), PostgresResource.AGENT_TOKEN, fleet, "live-gone-agent")) {
      awaitReady("live-gone");
    }
    String goneId = clusterId("live-gone");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonPath r = run(admin, "live", "ClusterNodes", "id", goneId);
              assertThat(errorCode(r)).as(r.prettify()).isEqualTo("CLUSTER_UNAVAILABLE");
              assertThat(r.getMap("data.cluster")).containsEntry("nodes", null);
            });
  }

  private double sent() {
    return meters.counter("opencdi.live.queries").count();
  }

  private void awaitReady(String... names) {
    agent.awaitReady(admin, names);
  }

  private String clusterId(String name) {
    return run(admin, "clusters", "Clusters")
        .getString("data.clusters.find { it.name == '" + name + "' }.id");
  }

  private String create(String token, String region, String expectedCluster) {
    String template =
        run(admin, "templates", "Templates")
            .getString("data.templates.find { it.name == 'xfce' }.id");
    JsonPath r =
        run(
            token,
            "desktops",
            "CreateDesktop",
            "input",
            Map.of("templateId", template, "region", region));
    assertThat(r.getString("data.createDesktop.cluster.name"))
        .as(r.prettify())
        .isEqualTo(expectedCluster);
    return r.getString("data.createDesktop.id");
  }
}
