package io.opencdi.gateway.placement;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many users asking at once for the last room of a fleet: never more than fits. Each request is a
 * different user's, so no user's row lock serialises them: they meet in the same placement batches
 * and, across batches, at the node group's conditional reservation. {@link ReservationRaceTest}
 * runs the same race on the database alone, with and without the reservation's condition.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class OverCommitTest {
  // Two nodes of 4 CPUs: room for exactly four 2-CPU desktops, and only this fleet offers kata.
  private static final String FLEET =
      """
      clusters:
        - name: tight-1
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [kata]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 4000, memoryMiB: 65536, maxDesktops: 110 }
      """;
  private static final int ROOM = 4;
  private static final int REQUESTS = 16;

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject TokenService tokens;

  @Test
  void concurrentCreatesTakeExactlyTheRoomThereIs() throws Exception {
    String admin = login("admin");
    Map<String, Object> template = new HashMap<>();
    template.put("name", "kata-2cpu");
    template.put("image", "opencdi/desktop-xfce:0.1");
    template.put("cpuMillis", 2000);
    template.put("memoryMiB", 2048);
    template.put("runtimeClass", "kata");
    String templateId =
        run(admin, "templates", "CreateTemplate", "input", template)
            .getString("data.createTemplate.id");

    try (AgentProcess agent =
        AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "tight-agent")) {
      agent.awaitReady(admin, "tight-1");

      List<String> users = TestUsers.create(pool, tokens, "racer", REQUESTS);
      ExecutorService threads = Executors.newFixedThreadPool(REQUESTS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<JsonPath>> results = new ArrayList<>();
      for (String user : users) {
        Callable<JsonPath> create =
            () -> {
              start.await();
              return run(
                  user, "desktops", "CreateDesktop", "input", Map.of("templateId", templateId));
            };
        results.add(threads.submit(create));
      }
      start.countDown();
      int created = 0;
      int refused = 0;
      for (Future<JsonPath> f : results) {
        JsonPath r = f.get();
        if (r.getString("data.createDesktop.id") != null) {
          created++;
        } else {
          assertThat(errorCode(r)).as(r.prettify()).isEqualTo("UNSCHEDULABLE");
          assertThat(r.getString("errors[0].message")).contains("tight-1");
          refused++;
        }
      }
      threads.shutdown();

      assertThat(created).isEqualTo(ROOM);
      assertThat(refused).isEqualTo(REQUESTS - ROOM);
      JsonPath clusters = run(admin, "clusters", "Clusters");
      assertThat(
              clusters.getLong(
                  "data.clusters.find { it.name == 'tight-1' }.capacity.allocatedCpuMillis"))
          .isEqualTo(ROOM * 2000L);
      assertThat(
              clusters.getLong(
                  "data.clusters.find { it.name == 'tight-1' }.capacity.largestFreeCpuMillis"))
          .isZero();
    }
  }
}
