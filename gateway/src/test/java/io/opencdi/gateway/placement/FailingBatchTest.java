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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A placement batch whose transaction the database refuses (a trigger this test adds fails every
 * insert of its desktops): every caller of the batch is answered with an error, nothing is written,
 * and the room the batch had taken in memory is given back, so the same requests, retried once the
 * database accepts them again, fill the fleet exactly.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FailingBatchTest {
  // One node with room for exactly eight 1-CPU desktops; only this fleet offers its storage class.
  private static final String FLEET =
      """
      clusters:
        - name: batch-1
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [batch-disk]
          nodes: { count: 1, cpuMillis: 8000, memoryMiB: 65536, maxDesktops: 110 }
      """;
  private static final int ROOM = 8;

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject TokenService tokens;

  @Test
  void aBatchTheDatabaseRefusesAnswersEveryCallerWithAnErrorAndChangesNothing() throws Exception {
    String admin = login("admin");
    Map<String, Object> template = new HashMap<>();
    template.put("name", "batch-1cpu");
    template.put("image", "opencdi/desktop-xfce:0.1");
    template.put("cpuMillis", 1000);
    template.put("memoryMiB", 1024);
    template.put("storageClass", "batch-disk");
    String templateId =
        run(admin, "templates", "CreateTemplate", "input", template)
            .getString("data.createTemplate.id");

    try (AgentProcess agent =
        AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "batch-agent")) {
      agent.awaitReady(admin, "batch-1");
      List<String> users = TestUsers.create(pool, tokens, "batcher", ROOM);

      sql(
          "create function refuse_batch_desktops() returns trigger language plpgsql as"
              + " $$ begin raise exception 'injected by the test'; end $$");
      sql(
          "create trigger refuse_batch_desktops before insert on desktop for each row"
              + " when (new.storage_class = 'batch-disk') execute function refuse_batch_desktops()");
      List<JsonPath> refused;
      try {
        refused = createAll(users, templateId);
      } finally {
        sql("drop trigger refuse_batch_desktops on desktop");
        sql("drop function refuse_batch_desktops()");
      }

      for (JsonPath r : refused) {
        assertThat(r.getString("data.createDesktop")).as(r.prettify()).isNull();
        assertThat(errorCode(r)).as(r.prettify()).isEqualTo("UNAVAILABLE");
        assertThat(r.getString("errors[0].message")).contains("nothing was changed");
      }
      assertThat(count("select count(*) from desktop where storage_class = 'batch-disk'")).isZero();
      assertThat(
              count(
                  "select coalesce(sum(g.used_desktops), 0) from node_group g join cluster c on"
                      + " c.id = g.cluster_id where c.name = 'batch-1'"))
          .isZero();

      // The same requests again: the room they had taken was given back, so all eight fit.
      List<JsonPath> retried = createAll(users, templateId);
      List<String> ids = new ArrayList<>();
      for (JsonPath r : retried) {
        assertThat(r.getString("data.createDesktop.id")).as(r.prettify()).isNotNull();
        ids.add(r.getString("data.createDesktop.id"));
      }
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(
              run(admin, "clusters", "Clusters")
                  .getLong(
                      "data.clusters.find { it.name == 'batch-1' }.capacity.allocatedCpuMillis"))
          .isEqualTo(ROOM * 1000L);
      // And once more: each requestId keeps answering with its one desktop.
      assertThat(
              run(
                      users.get(0),
                      "desktops",
                      "CreateDesktop",
                      "input",
                      Map.of("templateId", templateId, "requestId", "batch-try"))
                  .getString("data.createDesktop.id"))
          .isEqualTo(ids.get(0));
      assertThat(count("select count(*) from desktop where storage_class = 'batch-disk'"))
          .isEqualTo(ROOM);
    }
  }

  /** Each user asks for one desktop, all at once, with the same requestId each time. */
  private static List<JsonPath> createAll(List<String> users, String templateId) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(users.size());
    CountDownLatch start = new CountDownLatch(1);
    List<Future<JsonPath>> futures = new ArrayList<>();
    for (String user : users) {
      futures.add(
          threads.submit(
              () -> {
                start.await();
                return run(
                    user,
                    "desktops",
                    "CreateDesktop",
                    "input",
                    Map.of("templateId", templateId, "requestId", "batch-try"));
              }));
    }
    start.countDown();
    List<JsonPath> results = new ArrayList<>();
    for (Future<JsonPath> f : futures) {
      results.add(f.get());
    }
    threads.shutdown();
    return results;
  }

  private void sql(String statement) {
    pool.query(statement).execute().await().atMost(Duration.ofSeconds(30));
  }

  private long count(String query) {
    return pool.query(query)
        .execute()
        .await()
        .atMost(Duration.ofSeconds(30))
        .iterator()
        .next()
        .getLong(0);
  }
}
