package io.opencdi.gateway.quota;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One user cannot take the fleet: users at their quota are refused with QUOTA_EXCEEDED and nothing
 * is made, others are unaffected, admins alone change quotas, power-ons at once are counted one
 * after another, snapshots are limited, creations are rate limited, and an aliased request answers
 * each creation on its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(QuotaTest.Defaults.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaTest {
  static final int DEFAULT_DESKTOPS = 3;
  static final int BURST = 20;

  /** Small default quotas and a creation rate that does not refill during the test. */
  public static class Defaults implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "opencdi.quota.max-desktops", String.valueOf(DEFAULT_DESKTOPS),
          "opencdi.quota.max-cpu-millis", "32000",
          "opencdi.quota.max-memory-mib", "65536",
          "opencdi.quota.max-snapshots", "50",
          "opencdi.quota.max-snapshots-per-desktop", "2",
          "opencdi.quota.create-rate.burst", String.valueOf(BURST),
          "opencdi.quota.create-rate.per-minute", "1");
    }
  }

  private static final String FLEET =
      """
      clusters:
        - name: quota-1
          region: eu-west
          zone: eu-west-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 4, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 200 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject TokenService tokens;

  private AgentProcess agent;
  private String admin;
  private String alice;
  private String bob;
  private String templateId;

  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    agent = AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "quota-agent");
    admin = login("admin");
    alice = login("alice");
    bob = login("bob");
    templateId =
        run(admin, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                run(
                        admin,
                        "placement",
                        "PlacementPreview",
                        "input",
                        Map.of("templateId", templateId))
                    .getBoolean("data.placementPreview.schedulable"));
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void aNewUserHasTheDefaultQuotaAndCanReadIt() {
    JsonPath mine = run(bob, "auth", "MyQuota");
    assertThat(mine.getInt("data.me.quota.maxDesktops")).isEqualTo(DEFAULT_DESKTOPS);
    assertThat(mine.getLong("data.me.quota.maxCpuMillis")).isEqualTo(32000);
    assertThat(mine.getLong("data.me.quota.maxMemoryMiB")).isEqualTo(65536);
    assertThat(mine.getInt("data.me.quota.maxSnapshots")).isEqualTo(50);
    assertThat(mine.getBoolean("data.me.quota.custom")).isFalse();
    // Every seeded user, the admin included, has a quota.
    JsonPath all = run(admin, "auth", "UserQuotas");
    assertThat(all.getList("data.users.quota.maxDesktops", Integer.class))
        .as(all.prettify())
        .hasSize(3)
        .doesNotContainNull();
  }

  @Test
  void aUserAtTheirQuotaIsRefusedAndNothingIsCreatedWhileOthersAreUnaffected() {
    setQuota("alice", Map.of("maxDesktops", owned(alice) + 2));
    assertThat(create(alice).getString("data.createDesktop.id")).isNotNull();
    assertThat(create(alice).getString("data.createDesktop.id")).isNotNull();
    long atQuota = owned(alice);

    JsonPath refused = create(alice);
    assertThat(errorCode(refused)).as(refused.prettify()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(refused.getString("errors[0].message")).contains("alice").contains("desktops");
    assertThat(refused.getString("data.createDesktop")).isNull();
    assertThat(owned(alice)).as("nothing was created").isEqualTo(atQuota);

    setQuota("bob", Map.of("maxDesktops", owned(bob) + 1));
    JsonPath bobs = create(bob);
    assertThat(bobs.getString("data.createDesktop.id")).as(bobs.prettify()).isNotNull();

    // An admin raises alice's quota: the same request now succeeds.
    JsonPath raised = setQuota("alice", Map.of("maxDesktops", (int) atQuota + 1));
    assertThat(raised.getBoolean("data.setUserQuota.quota.custom")).isTrue();
    assertThat(raised.getInt("data.setUserQuota.quota.maxDesktops")).isEqualTo(atQuota + 1);
    JsonPath again = create(alice);
    assertThat(again.getString("data.createDesktop.id")).as(again.prettify()).isNotNull();
    assertThat(owned(alice)).isEqualTo(atQuota + 1);
  }

  @Test
  void setUserQuotaByANonAdminIsForbiddenAndChangesNothing() {
    JsonPath before = run(alice, "auth", "MyQuota");
    JsonPath r =
        run(
            alice,
            "auth",
            "SetUserQuota",
            "username",
            "alice",
            "quota",
            Map.of("maxDesktops", 100000, "maxCpuMillis", 100000000));
    assertThat(errorCode(r)).as(r.prettify()).isEqualTo("FORBIDDEN");
    assertThat(run(alice, "auth", "MyQuota").getMap("data.me.quota"))
        .isEqualTo(before.getMap("data.me.quota"));

    JsonPath negative = setQuota("bob", Map.of("maxDesktops", -1));
    assertThat(errorCode(negative)).as(negative.prettify()).isEqualTo("VALIDATION");
  }

  @Test
  void powerOnsAtOnceBeyondTheCpuQuotaRunOnlyAsManyAsItAllows() throws Exception {
    setQuota("bob", Map.of("maxDesktops", owned(bob) + 3));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonPath r = create(bob);
      assertThat(r.getString("data.createDesktop.id")).as(r.prettify()).isNotNull();
      ids.add(r.getString("data.createDesktop.id"));
    }
    for (String id : ids) {
      Desktops.awaitState(bob, id, "RUNNING");
      run(bob, "desktops", "StopDesktop", "id", id);
    }
    for (String id : ids) {
      Desktops.awaitState(bob, id, "STOPPED");
    }
    // Room for two of the three (1000 millicores each) beside what bob's other desktops hold.
    long held = run(bob, "auth", "MyQuota").getLong("data.me.quota.usedCpuMillis");
    setQuota("bob", Map.of("maxDesktops", owned(bob), "maxCpuMillis", held + 2000));

    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<JsonPath>> answers = new ArrayList<>();
    for (String id : ids) {
      answers.add(
          pool.submit(
              () -> {
                go.await();
                return run(bob, "desktops", "StartDesktop", "id", id);
              }));
    }
    go.countDown();
    int started = 0;
    int refused = 0;
    for (Future<JsonPath> a : answers) {
      JsonPath r = a.get();
      if (errorCode(r) == null) {
        started++;
      } else {
        assertThat(errorCode(r)).as(r.prettify()).isEqualTo("QUOTA_EXCEEDED");
        refused++;
      }
    }
    pool.shutdown();
    assertThat(started).isEqualTo(2);
    assertThat(refused).isEqualTo(1);
    assertThat(run(bob, "auth", "MyQuota").getLong("data.me.quota.usedCpuMillis"))
        .isEqualTo(held + 2000);
  }

  @Test
  void snapshotsBeyondTheDesktopsOrTheUsersLimitAreRefused() {
    setQuota("alice", Map.of("maxDesktops", owned(alice) + 2, "maxSnapshots", 3));
    String first = runningDesktop(alice);
    String second = runningDesktop(alice);

    assertThat(snapshot(alice, first, "one").getString("data.snapshotDesktop.id")).isNotNull();
    assertThat(snapshot(alice, first, "two").getString("data.snapshotDesktop.id")).isNotNull();
    JsonPath perDesktop = snapshot(alice, first, "three");
    assertThat(errorCode(perDesktop)).as(perDesktop.prettify()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(perDesktop.getString("errors[0].message")).contains("a desktop may have 2");

    String third = snapshot(alice, second, "three").getString("data.snapshotDesktop.id");
    assertThat(third).isNotNull();
    JsonPath perUser = snapshot(alice, second, "four");
    assertThat(errorCode(perUser)).as(perUser.prettify()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(perUser.getString("errors[0].message")).contains("3 snapshots");
    assertThat(run(alice, "auth", "MyQuota").getInt("data.me.quota.usedSnapshots"))
        .as("the refused snapshots were not made")
        .isEqualTo(3);
    // One being deleted (DELETING until its cluster confirms) is no longer held.
    JsonPath deleted = run(alice, "snapshots", "DeleteSnapshot", "id", third);
    assertThat(deleted.getString("data.deleteSnapshot.id")).as(deleted.prettify()).isEqualTo(third);
    assertThat(run(alice, "auth", "MyQuota").getInt("data.me.quota.usedSnapshots")).isEqualTo(2);
    assertThat(snapshot(alice, second, "four").getString("data.snapshotDesktop.id"))
        .as("room for one more")
        .isNotNull();

    // Bob's own limits are untouched by alice's.
    setQuota("bob", Map.of("maxDesktops", owned(bob) + 1));
    String bobs = runningDesktop(bob);
    assertThat(snapshot(bob, bobs, "mine").getString("data.snapshotDesktop.id")).isNotNull();
  }

  @Test
  void aliasedCreationsAreAnsweredEachOnItsOwnAndNoCreatedDesktopIsHidden() {
    setQuota("bob", Map.of("maxDesktops", owned(bob) + 1));
    long before = owned(bob);
    String query =
        "mutation { first: createDesktop(input: {templateId: \"%s\", name: \"first\"}) { id name }"
                .formatted(templateId)
            + " second: createDesktop(input: {templateId: \"%s\", name: \"second\"}) { id name } }"
                .formatted(templateId);
    JsonPath r = raw(bob, query);
    assertThat(r.getString("data.first.id")).as(r.prettify()).isNotNull();
    assertThat(r.getString("data.first.name")).isEqualTo("first");
    assertThat(r.getMap("data")).containsKey("second");
    assertThat(r.getString("data.second")).isNull();
    assertThat(r.getList("errors")).hasSize(1);
    assertThat(r.getString("errors[0].extensions.code")).isEqualTo("QUOTA_EXCEEDED");
    assertThat(r.getList("errors[0].path")).containsExactly("second");
    assertThat(owned(bob)).isEqualTo(before + 1);
  }

  @Test
  void overlongNamesAndFreeTextAreRefusedWithValidationAndNothingIsCreated() {
    setQuota("bob", Map.of("maxDesktops", owned(bob) + 10));
    long before = owned(bob);
    // The prefix alone is a valid name (61 characters), but "<prefix>-10" (64) is not.
    Map<String, Object> bulk = new HashMap<>();
    bulk.put("templateId", templateId);
    bulk.put("count", 10);
    bulk.put("namePrefix", "p".repeat(61));
    JsonPath longPrefix = run(bob, "desktops", "CreateDesktops", "input", bulk);
    assertThat(errorCode(longPrefix)).as(longPrefix.prettify()).isEqualTo("VALIDATION");
    assertThat(longPrefix.getString("errors[0].message")).contains("namePrefix is too long");

    String huge = "r".repeat(100_000);
    JsonPath preview =
        run(
            bob,
            "placement",
            "PlacementPreview",
            "input",
            Map.of("templateId", templateId, "region", huge));
    assertThat(errorCode(preview)).as(preview.prettify()).isEqualTo("VALIDATION");
    assertThat(preview.getString("errors[0].message")).contains("region");
    JsonPath create =
        run(
            bob,
            "desktops",
            "CreateDesktop",
            "input",
            Map.of("templateId", templateId, "zone", huge));
    assertThat(errorCode(create)).as(create.prettify()).isEqualTo("VALIDATION");
    assertThat(owned(bob)).as("nothing was created").isEqualTo(before);
  }

  /**
   * Two users of its own: the one whose creation bucket it empties (it does not refill during the
   * test) and one beside them.
   */
  @Test
  void aBurstOfCreationsBeyondTheRateIsRefusedAndCreatesNothingBeyond() {
    String prefix = "burst-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> users = TestUsers.create(pool, tokens, prefix, 2);
    String eager = users.get(0);
    String beside = users.get(1);
    setQuota(prefix + "-1", Map.of("maxDesktops", BURST + 5));
    long before = owned(eager);
    int created = 0;
    JsonPath refused = null;
    for (int i = 0; i <= BURST && refused == null; i++) {
      JsonPath r = create(eager);
      if (errorCode(r) == null) {
        created++;
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("a request beyond the burst was refused").isNotNull();
    assertThat(created).isLessThanOrEqualTo(BURST);
    for (JsonPath r : List.of(refused, create(eager), create(eager))) {
      assertThat(errorCode(r)).as(r.prettify()).isEqualTo("RATE_LIMITED");
      assertThat(r.getLong("errors[0].extensions.retryAfterSeconds")).isPositive();
      assertThat(r.getString("data.createDesktop")).isNull();
    }
    assertThat(owned(eager)).as("nothing created beyond the rate").isEqualTo(before + created);
    // Another user's bucket is their own.
    assertThat(create(beside).getList("errors")).isNullOrEmpty();
  }

  // ---- helpers ----

  private JsonPath create(String token) {
    return run(token, "desktops", "CreateDesktop", "input", Map.of("templateId", templateId));
  }

  private JsonPath setQuota(String username, Map<String, Object> quota) {
    return run(admin, "auth", "SetUserQuota", "username", username, "quota", quota);
  }

  private static int owned(String token) {
    return run(token, "auth", "MyQuota").getInt("data.me.quota.usedDesktops");
  }

  private String runningDesktop(String token) {
    return Desktops.running(token, Map.of("templateId", templateId));
  }

  private static JsonPath snapshot(String token, String desktopId, String name) {
    return run(token, "snapshots", "SnapshotDesktop", "id", desktopId, "name", name);
  }

  private static JsonPath raw(String token, String query) {
    return given()
        .contentType(ContentType.JSON)
        .header("Authorization", "Bearer " + token)
        .body(Map.of("query", query))
        .post("/graphql")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }
}
