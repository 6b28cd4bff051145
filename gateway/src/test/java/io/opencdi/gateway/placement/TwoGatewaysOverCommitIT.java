package io.opencdi.gateway.placement;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.loginAt;
import static io.opencdi.gateway.testing.GraphQL.runAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.Subscription;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two gateway replicas behind a round-robin, sharing one PostgreSQL, with the fleet's only agent
 * connected to the first: concurrent requests through both never take more room than there is,
 * desktops placed by the second replica still reach the agent, and each replica's subscribers hear
 * about desktops the other one created.
 */
class TwoGatewaysOverCommitIT {
  private static final String FLEET =
      """
      clusters:
        - name: shared-1
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [kata]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 4000, memoryMiB: 65536, maxDesktops: 110 }
      """;
  private static final int ROOM = 4;
  private static final int REQUESTS = 24;

  @Test
  void twoReplicasTogetherTakeExactlyTheRoomThereIs() throws Exception {
    Path dir = Files.createTempDirectory("opencdi-two-gateways");
    String agentToken = AgentTokens.generate();
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true)) {
      Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
      config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
      config.put("opencdi.agents.bootstrap-agent-name", "shared-agent");
      // The burst below is one admin's: their creation rate is not what this test is about.
      config.put("opencdi.quota.create-rate.burst", String.valueOf(REQUESTS));
      // Both replicas start at once, as a Deployment's pods do: migrations and seeding must not
      // trip over each other.
      try (GatewayProcess a = GatewayProcess.start("gateway-a", config, agentToken);
          GatewayProcess b = GatewayProcess.start("gateway-b", config, agentToken);
          // Ready means a desktop can be placed: neither replica is ready before the agent's
          // cluster is in its placement snapshot.
          AgentProcess agent = AgentProcess.start(a.port(), agentToken, FLEET, "shared-agent")) {
        a.awaitReady(Duration.ofSeconds(120));
        b.awaitReady(Duration.ofSeconds(120));
        int[] ports = {a.port(), b.port()};
        String admin = loginAt(a.port(), "admin");
        assertThat(runAt(b.port(), admin, "auth", "Me").getString("data.me.username"))
            .as("a token signed by one replica is good at the other")
            .isEqualTo("admin");

        Map<String, Object> template = new HashMap<>();
        template.put("name", "kata-2cpu-shared");
        template.put("image", "opencdi/desktop-xfce:0.1");
        template.put("cpuMillis", 2000);
        template.put("memoryMiB", 2048);
        template.put("runtimeClass", "kata");
        String templateId =
            runAt(b.port(), admin, "templates", "CreateTemplate", "input", template)
                .getString("data.createTemplate.id");

        try (Subscription onB =
            Subscription.open(b.port(), admin, "desktops", "DesktopEvents", Map.of())) {
          for (int port : ports) {
            await()
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(
                    () ->
                        assertThat(
                                runAt(port, admin, "clusters", "Clusters")
                                    .getList("data.clusters.findAll { it.ready }.name"))
                            .as(agent::log)
                            .contains("shared-1"));
            // The inventory lists the cluster before each replica's placement snapshot holds it
            // (it reloads on the cluster's event or within its refresh interval): wait for that
            // too, so that the burst below meets two replicas that both know the room there is.
            await()
                .atMost(Duration.ofSeconds(60))
                .until(
                    () ->
                        runAt(
                                port,
                                admin,
                                "placement",
                                "PlacementPreview",
                                "input",
                                Map.of("templateId", templateId))
                            .getBoolean("data.placementPreview.schedulable"));
          }

          ExecutorService pool = Executors.newFixedThreadPool(REQUESTS);
          List<Future<JsonPath>> results = new ArrayList<>();
          for (int i = 0; i < REQUESTS; i++) {
            int port = ports[i % 2];
            results.add(
                pool.submit(
                    () ->
                        runAt(
                            port,
                            admin,
                            "desktops",
                            "CreateDesktop",
                            "input",
                            Map.of("templateId", templateId))));
          }
          List<String> created = new ArrayList<>();
          int refused = 0;
          for (Future<JsonPath> f : results) {
            JsonPath r = f.get();
            String id = r.getString("data.createDesktop.id");
            if (id != null) {
              created.add(id);
            } else {
              assertThat(errorCode(r)).as(r.prettify()).isEqualTo("UNSCHEDULABLE");
              assertThat(r.getString("errors[0].message")).contains("shared-1");
              refused++;
            }
          }
          pool.shutdown();
          assertThat(created).hasSize(ROOM);
          assertThat(refused).isEqualTo(REQUESTS - ROOM);

          // Every placed desktop runs, whichever replica placed it: commands reach the agent's
          // replica through the database.
          await()
              .atMost(Duration.ofSeconds(60))
              .untilAsserted(
                  () ->
                      assertThat(
                              runAt(b.port(), admin, "desktops", "Desktops")
                                  .getList("data.desktops.edges.node.state", String.class))
                          .as(agent::log)
                          .hasSize(ROOM)
                          .containsOnly("RUNNING"));
          for (int port : ports) {
            JsonPath clusters = runAt(port, admin, "clusters", "Clusters");
            assertThat(
                    clusters.getLong(
                        "data.clusters.find { it.name == 'shared-1' }.capacity.allocatedCpuMillis"))
                .isEqualTo(ROOM * 2000L);
          }
          await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () ->
                      assertThat(
                              onB.events().stream()
                                  .map(e -> e.getJsonObject("data").getJsonObject("desktopEvents"))
                                  .filter(e -> e != null)
                                  .filter(
                                      e ->
                                          "RUNNING"
                                              .equals(
                                                  e.getJsonObject("desktop").getString("state")))
                                  .map(e -> e.getJsonObject("desktop").getString("id"))
                                  .distinct())
                          .as("replica B's subscriber hears every desktop come up")
                          .containsExactlyInAnyOrderElementsOf(created));
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(
              e.getMessage()
                  + "\n--- gateway A ---\n"
                  + tail(a.log())
                  + "\n--- gateway B ---\n"
                  + tail(b.log()),
              e);
        }
      }
    }
  }

  private static String tail(String log) {
    return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
  }
}
