package io.opencdi.gateway.placement;

import static io.opencdi.gateway.testing.GraphQL.runAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.GraphQL;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gateway of {@code ./opencdi up} (durable embedded PostgreSQL) killed with SIGKILL in the
 * middle of a burst of creations, then started again on the same data: every desktop a client was
 * told about exists exactly once, no node group holds more than its capacity, nothing stays PENDING
 * once the agent is back, and a client that retries with its requestId gets its desktop.
 */
class PlacementCrashIT {
  private static final String FLEET =
      """
      clusters:
        - name: crash-1
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 4, cpuMillis: 256000, memoryMiB: 1048576, maxDesktops: 110 }
      """;
  private static final int CLIENTS = 8;
  private static final int KILL_AFTER = 40;
  private static final Map<String, String> UNLIMITED =
      Map.of(
          "opencdi.quota.max-desktops", "100000",
          "opencdi.quota.max-cpu-millis", "100000000",
          "opencdi.quota.max-memory-mib", "1000000000",
          "opencdi.quota.create-rate.burst", "100000",
          "opencdi.quota.create-rate.per-minute", "100000");

  @Test
  void aGatewayKilledInABurstKeepsEveryAnsweredDesktopOnceAndOverCommitsNothing() throws Exception {
    Path data = Files.createTempDirectory("opencdi-placement-crash");
    String agentToken = AgentTokens.generate();
    Map<String, String> answered = new ConcurrentHashMap<>();
    List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
    String templateId;
    try (GatewayProcess first =
            GatewayProcess.startEmbedded("placement-crash-1", data, agentToken, UNLIMITED);
        AgentProcess agent = AgentProcess.start(first.port(), agentToken, FLEET, "crash-agent")) {
      String admin = awaitSignIn(first);
      awaitCluster(first.port(), admin);
      Map<String, Object> template = new HashMap<>();
      template.put("name", "crash-1cpu");
      template.put("image", "opencdi/desktop-xfce:0.1");
      template.put("cpuMillis", 1000);
      template.put("memoryMiB", 1024);
      templateId =
          runAt(first.port(), admin, "templates", "CreateTemplate", "input", template)
              .getString("data.createTemplate.id");

      AtomicInteger next = new AtomicInteger();
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      for (int c = 0; c < CLIENTS; c++) {
        clients.submit(
            () -> {
              while (first.isAlive()) {
                String requestId = "burst-" + next.incrementAndGet();
                asked.add(requestId);
                try {
                  String id = create(first.port(), admin, templateId, requestId);
                  if (id != null) {
                    answered.put(requestId, id);
                  }
                } catch (Exception | AssertionError goneMidRequest) {
                  // The gateway died under this request: its client never heard an answer.
                }
              }
            });
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> answered.size() >= KILL_AFTER);
      first.kill();
      clients.shutdown();
      assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    try (GatewayProcess second =
            GatewayProcess.startEmbedded("placement-crash-2", data, agentToken, UNLIMITED);
        AgentProcess agent = AgentProcess.start(second.port(), agentToken, FLEET, "crash-agent")) {
      String admin = awaitSignIn(second);
      awaitCluster(second.port(), admin);

      // Every desktop a client was told about is there, once; every request that was asked
      // but not answered is either absent or there once, and a retry with its requestId gets it.
      Map<String, String> byRequest = new HashMap<>();
      for (String requestId : asked) {
        String id = create(second.port(), admin, templateId, requestId);
        assertThat(id).as("retry of " + requestId).isNotNull();
        if (answered.containsKey(requestId)) {
          assertThat(id).as("retry of answered " + requestId).isEqualTo(answered.get(requestId));
        }
        byRequest.put(requestId, id);
      }
      assertThat(byRequest.values()).doesNotHaveDuplicates();
      assertThat(desktopStates(second.port(), admin)).hasSize(asked.size());

      // Nothing stays PENDING once the agent has the desired state again.
      await()
          .atMost(Duration.ofMinutes(2))
          .untilAsserted(
              () ->
                  assertThat(desktopStates(second.port(), admin).values())
                      .as(agent::log)
                      .doesNotContain("PENDING"));

      // No node group holds more than it has, and the reservations match the desktops exactly.
      JsonPath clusters = runAt(second.port(), admin, "clusters", "Clusters");
      String clusterId = clusters.getString("data.clusters.find { it.name == 'crash-1' }.id");
      JsonPath cluster = runAt(second.port(), admin, "clusters", "Cluster", "id", clusterId);
      List<Map<String, Object>> groups = cluster.getList("data.cluster.nodeGroups");
      long allocated = 0;
      for (Map<String, Object> g : groups) {
        long used = ((Number) g.get("allocatedCpuMillis")).longValue();
        assertThat(used).isLessThanOrEqualTo(((Number) g.get("allocatableCpuMillis")).longValue());
        allocated += used;
      }
      assertThat(allocated).isEqualTo(asked.size() * 1000L);
    } finally {
      new ProcessBuilder("rm", "-rf", data.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String create(int port, String token, String templateId, String requestId) {
    JsonPath r =
        runAt(
            port,
            token,
            "desktops",
            "CreateDesktop",
            "input",
            Map.of("templateId", templateId, "requestId", requestId));
    return r.getString("data.createDesktop.id");
  }

  private static Map<String, String> desktopStates(int port, String token) {
    Map<String, String> states = new HashMap<>();
    String after = null;
    while (true) {
      JsonPath page =
          after == null
              ? runAt(port, token, "desktops", "Desktops", "first", 500)
              : runAt(port, token, "desktops", "Desktops", "first", 500, "after", after);
      List<String> ids = page.getList("data.desktops.edges.node.id");
      List<String> st = page.getList("data.desktops.edges.node.state");
      for (int i = 0; i < ids.size(); i++) {
        states.put(ids.get(i), st.get(i));
      }
      if (!page.getBoolean("data.desktops.pageInfo.hasNextPage")) {
        return states;
      }
      after = page.getString("data.desktops.pageInfo.endCursor");
    }
  }

  private static void awaitCluster(int port, String admin) {
    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(
            () ->
                assertThat(
                        runAt(port, admin, "clusters", "Clusters")
                            .getList("data.clusters.findAll { it.ready }.name"))
                    .contains("crash-1"));
  }

  private static String awaitSignIn(GatewayProcess gateway) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      if (!gateway.isAlive()) {
        throw new AssertionError("the gateway stopped:\n" + gateway.log());
      }
      try {
        return GraphQL.loginAt(gateway.port(), "admin");
      } catch (Exception | AssertionError notYet) {
        Thread.sleep(500);
      }
    }
    throw new AssertionError("the gateway did not let admin sign in:\n" + gateway.log());
  }
}
