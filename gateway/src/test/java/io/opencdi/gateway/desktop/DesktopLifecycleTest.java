package io.opencdi.gateway.desktop;

import static io.opencdi.gateway.testing.Desktops.state;
import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Subscription;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A user's desktop from creation to deletion, on a fleet served by a real cluster agent. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DesktopLifecycleTest {
  private static final String FLEET =
      """
      failImages: ["opencdi/broken:*"]
      clusters:
        - name: life-bj
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 3, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: life-fra
          region: eu-west
          zone: eu-west-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  @jakarta.inject.Inject io.opencdi.gateway.db.Db db;

  private AgentProcess agent;
  private String alice;
  private String bob;
  private String admin;

  // Not @BeforeAll: the HTTP port of the application under test is known only per test.
  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    agent =
        AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "lifecycle-agent");
    admin = login("admin");
    alice = login("alice");
    bob = login("bob");
    agent.awaitReady(admin, "life-bj", "life-fra");
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private String templateId(String name) {
    return run(admin, "templates", "Templates")
        .getString("data.templates.find { it.name == '" + name + "' }.id");
  }

  private Map<String, Object> input(String template, String region) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId(template));
    in.put("region", region);
    return in;
  }

  @Test
  void subscriberSeesTheDesktopComeUpAndPowerCyclesKeepItsCluster() throws Exception {
    try (Subscription events =
            Subscription.open(base.getPort(), alice, "desktops", "DesktopEvents", Map.of());
        Subscription console =
            Subscription.open(base.getPort(), admin, "desktops", "DesktopEvents", Map.of())) {
      JsonPath created =
          run(alice, "desktops", "CreateDesktop", "input", input("xfce-gvisor", "cn-north"));
      String id = created.getString("data.createDesktop.id");
      assertThat(id).as(created.prettify()).isNotNull();
      assertThat(created.getString("data.createDesktop.cluster.name")).isEqualTo("life-bj");
      assertThat(created.getString("data.createDesktop.placementSummary")).contains("life-bj");
      // The answer's related objects come from what the creation read, not from a lookup each.
      assertThat(created.getString("data.createDesktop.owner.username")).isEqualTo("alice");
      assertThat(created.getString("data.createDesktop.template.name")).isEqualTo("xfce-gvisor");
      assertThat(created.getString("data.createDesktop.cluster.region")).isEqualTo("cn-north");

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(states(events, id)).contains("RUNNING"));
      assertThat(states(events, id))
          .containsSubsequence("PENDING", "SCHEDULED", "STARTING", "RUNNING");
      // Subscribers share each event's lookup of its cluster: each of them still gets it.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(states(console, id))
                      .containsSubsequence("PENDING", "SCHEDULED", "STARTING", "RUNNING"));
      assertThat(clusterWhen(events, id, "RUNNING")).isEqualTo("life-bj");
      assertThat(clusterWhen(console, id, "RUNNING")).isEqualTo("life-bj");

      run(alice, "desktops", "StopDesktop", "id", id);
      await().atMost(Duration.ofSeconds(30)).until(() -> "STOPPED".equals(state(alice, id)));

      JsonPath started = run(alice, "desktops", "StartDesktop", "id", id);
      assertThat(started.getString("data.startDesktop.power")).isEqualTo("ON");
      await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(state(alice, id)));
      assertThat(run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.cluster.name"))
          .as("power on brings the desktop back where its home volume lives")
          .isEqualTo("life-bj");

      run(alice, "desktops", "DeleteDesktop", "id", id);
      await().atMost(Duration.ofSeconds(30)).until(() -> "DELETED".equals(state(alice, id)));
    }
  }

  @Test
  void anotherUsersDesktopIsInvisibleAndUntouchable() throws Exception {
    String id =
        run(alice, "desktops", "CreateDesktop", "input", input("openbox-small", "eu-west"))
            .getString("data.createDesktop.id");
    try (Subscription bobs =
        Subscription.open(base.getPort(), bob, "desktops", "DesktopEvents", Map.of())) {
      assertThat(errorCode(run(bob, "desktops", "Desktop", "id", id))).isEqualTo("NOT_FOUND");
      assertThat(errorCode(run(bob, "desktops", "StopDesktop", "id", id))).isEqualTo("NOT_FOUND");
      assertThat(errorCode(run(bob, "desktops", "StartDesktop", "id", id))).isEqualTo("NOT_FOUND");
      assertThat(errorCode(run(bob, "desktops", "DeleteDesktop", "id", id))).isEqualTo("NOT_FOUND");
      assertThat(run(bob, "desktops", "Desktops").getList("data.desktops.edges.node.id"))
          .doesNotContain(id);
      await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(state(alice, id)));
      assertThat(bobs.events()).as("bob hears nothing of alice's desktop").isEmpty();
    }
    try (Subscription spy =
        Subscription.open(
            base.getPort(), bob, "desktops", "DesktopEvents", Map.of("desktopId", id))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(spy.events()).hasSize(1);
                assertThat(spy.completed()).isTrue();
              });
      JsonObject refusal = spy.events().get(0);
      assertThat(refusal.getJsonObject("data").getValue("desktopEvents")).isNull();
      assertThat(
              refusal
                  .getJsonArray("errors")
                  .getJsonObject(0)
                  .getJsonObject("extensions")
                  .getString("code"))
          .isEqualTo("NOT_FOUND");
    }
    assertThat(run(admin, "desktops", "Desktop", "id", id).getString("data.desktop.owner.username"))
        .isEqualTo("alice");
    assertThat(state(alice, id)).isEqualTo("RUNNING");
  }

  @Test
  void aUserWithAQuotaGetsNoMoreDesktopsThanItAllows() throws Throwable {
    // A user of the identity provider, created on first sign-in, then given a quota of one.
    String carol =
        io.smallrye.jwt.build.Jwt.issuer("https://opencdi.local/built-in")
            .subject("quota-carol")
            .upn("quota-carol")
            .groups(java.util.Set.of("user"))
            .expiresIn(300)
            .sign();
    assertThat(run(carol, "auth", "Me").getString("data.me.username")).isEqualTo("quota-carol");
    io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(
        () ->
            db.transaction(
                s ->
                    s.createMutationQuery(
                            "update UserEntity set maxDesktops = 1 where username = 'quota-carol'")
                        .executeUpdate()));
    assertThat(run(carol, "auth", "Me").getInt("data.me.maxDesktops")).isEqualTo(1);

    String first =
        run(carol, "desktops", "CreateDesktop", "input", input("openbox-small", "eu-west"))
            .getString("data.createDesktop.id");
    assertThat(first).isNotNull();
    JsonPath second =
        run(carol, "desktops", "CreateDesktop", "input", input("openbox-small", "eu-west"));
    assertThat(errorCode(second)).as(second.prettify()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(second.getString("errors[0].message")).contains("quota");

    // Powering the one desktop off and on again stays within the quota.
    await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(state(carol, first)));
    run(carol, "desktops", "StopDesktop", "id", first);
    await().atMost(Duration.ofSeconds(30)).until(() -> "STOPPED".equals(state(carol, first)));
    JsonPath again = run(carol, "desktops", "StartDesktop", "id", first);
    assertThat(again.getList("errors")).as(again.prettify()).isNull();
  }

  @Test
  void sameRequestIdGivesTheSameDesktop() {
    Map<String, Object> in = input("openbox-small", "eu-west");
    in.put("requestId", "once-" + UUID.randomUUID());
    JsonPath firstTry = run(alice, "desktops", "CreateDesktop", "input", in);
    JsonPath retry = run(alice, "desktops", "CreateDesktop", "input", in);
    String first = firstTry.getString("data.createDesktop.id");
    assertThat(retry.getString("data.createDesktop.id")).isEqualTo(first);
    for (String field : List.of("owner.username", "template.name", "cluster.name", "health")) {
      assertThat(retry.getString("data.createDesktop." + field))
          .as(field)
          .isNotNull()
          .isEqualTo(firstTry.getString("data.createDesktop." + field));
    }
    assertThat(
            run(alice, "desktops", "Desktops", "first", 500)
                .getList("data.desktops.edges.node.id")
                .stream()
                .filter(first::equals))
        .hasSize(1);
  }

  @Test
  void aFailedStartReleasesItsCapacityAndSaysWhy() {
    Map<String, Object> t = new HashMap<>();
    t.put("name", "broken-image");
    t.put("image", "opencdi/broken:1");
    t.put("cpuMillis", 4000);
    t.put("memoryMiB", 4096);
    run(admin, "templates", "CreateTemplate", "input", t);
    long before = allocatedCpu("life-fra");
    String id =
        run(alice, "desktops", "CreateDesktop", "input", input("broken-image", "eu-west"))
            .getString("data.createDesktop.id");
    await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(state(alice, id)));
    assertThat(run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.statusReason"))
        .contains("image");
    await().atMost(Duration.ofSeconds(10)).until(() -> allocatedCpu("life-fra") == before);
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    long total = run(alice, "desktops", "Desktops").getLong("data.desktops.totalCount");
    Map<String, Object> in = input("xfce", "cn-north");
    in.put("cpuMillis", -5);
    assertThat(errorCode(run(alice, "desktops", "CreateDesktop", "input", in)))
        .isEqualTo("VALIDATION");
    Map<String, Object> unknownTemplate = new HashMap<>();
    unknownTemplate.put("templateId", UUID.randomUUID().toString());
    assertThat(errorCode(run(alice, "desktops", "CreateDesktop", "input", unknownTemplate)))
        .isEqualTo("NOT_FOUND");
    Map<String, Object> garbageId = new HashMap<>();
    garbageId.put("templateId", "not-an-id");
    assertThat(errorCode(run(alice, "desktops", "CreateDesktop", "input", garbageId)))
        .isEqualTo("VALIDATION");
    Map<String, Object> huge = input("xfce", "cn-north");
    huge.put("cpuMillis", 100_000);
    JsonPath refused = run(alice, "desktops", "CreateDesktop", "input", huge);
    assertThat(errorCode(refused)).isEqualTo("UNSCHEDULABLE");
    assertThat(refused.getString("errors[0].message")).contains("life-bj");
    assertThat(run(alice, "desktops", "Desktops").getLong("data.desktops.totalCount"))
        .isEqualTo(total);
  }

  @Test
  void placementPreviewExplainsACordon() throws Exception {
    String bj =
        run(admin, "clusters", "Clusters")
            .getString("data.clusters.find { it.name == 'life-bj' }.id");
    assertThat(errorCode(run(alice, "clusters", "CordonCluster", "id", bj, "cordoned", true)))
        .isEqualTo("FORBIDDEN");
    try (Subscription console =
            Subscription.open(base.getPort(), admin, "clusters", "ClusterEvents", Map.of());
        Subscription second =
            Subscription.open(base.getPort(), admin, "clusters", "ClusterEvents", Map.of())) {
      run(admin, "clusters", "CordonCluster", "id", bj, "cordoned", true);
      try {
        // Both consoles hear of the cordon, each with the cluster as it became and its capacity.
        for (Subscription s : List.of(console, second)) {
          await()
              .atMost(Duration.ofSeconds(10))
              .untilAsserted(
                  () ->
                      assertThat(clusterEvents(s, "cordon"))
                          .anySatisfy(
                              c -> {
                                assertThat(c.getString("name")).isEqualTo("life-bj");
                                assertThat(c.getBoolean("cordoned")).isTrue();
                                assertThat(
                                        c.getJsonObject("capacity").getLong("allocatableCpuMillis"))
                                    .isPositive();
                              }));
        }
        Map<String, Object> in = new HashMap<>();
        in.put("templateId", templateId("xfce-gvisor"));
        in.put("region", "cn-north");
        JsonPath preview = run(alice, "placement", "PlacementPreview", "input", in);
        List<Map<String, Object>> filters =
            preview.getList(
                "data.placementPreview.clusters.find { it.clusterName == 'life-bj' }.filters");
        assertThat(filters)
            .anySatisfy(
                f -> {
                  assertThat(f.get("passed")).isEqualTo(false);
                  assertThat((String) f.get("reason")).containsIgnoringCase("cordon");
                });
        assertThat(preview.getString("data.placementPreview.clusterName")).isNotEqualTo("life-bj");
      } finally {
        run(admin, "clusters", "CordonCluster", "id", bj, "cordoned", false);
      }
    }
  }

  private long allocatedCpu(String cluster) {
    return run(admin, "clusters", "Clusters")
        .getLong("data.clusters.find { it.name == '" + cluster + "' }.capacity.allocatedCpuMillis");
  }

  private static List<JsonObject> clusterEvents(Subscription s, String reason) {
    return s.events().stream()
        .map(e -> e.getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("clusterEvents") != null)
        .map(d -> d.getJsonObject("clusterEvents"))
        .filter(e -> reason.equals(e.getString("reason")))
        .map(e -> e.getJsonObject("cluster"))
        .toList();
  }

  private static String clusterWhen(Subscription s, String id, String state) {
    return s.events().stream()
        .map(e -> e.getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("desktopEvents") != null)
        .map(d -> d.getJsonObject("desktopEvents").getJsonObject("desktop"))
        .filter(d -> id.equals(d.getString("id")) && state.equals(d.getString("state")))
        .map(d -> d.getJsonObject("cluster").getString("name"))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> states(Subscription s, String id) {
    return s.events().stream()
        .map(e -> e.getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("desktopEvents") != null)
        .map(d -> d.getJsonObject("desktopEvents").getJsonObject("desktop"))
        .filter(d -> id.equals(d.getString("id")))
        .map(d -> d.getString("state"))
        .toList();
  }
}
