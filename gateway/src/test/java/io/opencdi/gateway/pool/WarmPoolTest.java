package io.opencdi.gateway.pool;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.TestUsers;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Warm pools on a fleet served by a real cluster agent: members are placed and started ahead of
 * demand, handed over at once to users who ask for their template, refilled, trimmed and removed;
 * and none of it is anyone's but an admin's to change or see.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarmPoolTest {
  private static final String FLEET =
      """
      clusters:
        - name: warm-north
          region: warm-north
          zone: warm-north-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: warm-south
          region: warm-south
          zone: warm-south-1a
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 1, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: warm-east
          region: warm-east
          zone: warm-east-1a
          arch: [amd64]
          runtimeClasses: [gvisor]
          storageClasses: [longhorn]
          nodes: { count: 1, cpuMillis: 8000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject TokenService tokens;

  private AgentProcess agent;
  private String admin;
  private String templateId;
  private final List<String> pools = new ArrayList<>();

  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    agent = AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "warm-agent");
    admin = login("admin");
    agent.awaitReady(admin, "warm-north", "warm-south", "warm-east");
    Map<String, Object> template = new HashMap<>();
    template.put("name", "warm-openbox");
    template.put("image", "opencdi/desktop-openbox:0.1");
    template.put("cpuMillis", 1000);
    template.put("memoryMiB", 1024);
    template.put("runtimeClass", "runc");
    JsonPath created = run(admin, "templates", "CreateTemplate", "input", template);
    templateId = created.getString("data.createTemplate.id");
    assertThat(templateId).as(created.prettify()).isNotNull();
  }

  /** Each test leaves no pool behind: the keeper would go on keeping it for later tests. */
  @AfterEach
  void deletePools() {
    for (String id : pools) {
      run(admin, "pools", "DeletePool", "id", id);
    }
    pools.clear();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(unclaimedMembers()).isZero());
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private String createPool(String region, String zone, int size) {
    return createPool(templateId, region, zone, size);
  }

  private String createPool(String template, String region, String zone, int size) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", template);
    in.put("region", region);
    in.put("zone", zone);
    in.put("size", size);
    JsonPath r = run(admin, "pools", "CreatePool", "input", in);
    String id = r.getString("data.createPool.id");
    assertThat(id).as(r.prettify()).isNotNull();
    pools.add(id);
    return id;
  }

  private Map<String, Object> poolOf(String id) {
    JsonPath r = run(admin, "pools", "Pools");
    return r.getMap("data.pools.find { it.id == '" + id + "' }");
  }

  private void awaitReady(String poolId, int ready) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Map<String, Object> p = poolOf(poolId);
              assertThat(p).isNotNull();
              assertThat(p.get("ready")).as(p.toString()).isEqualTo(ready);
              assertThat(p.get("starting")).as(p.toString()).isEqualTo(0);
            });
  }

  private long unclaimedMembers() {
    return pool.preparedQuery(
            "select count(*) from desktop where owner_id = $1 and not delete_requested"
                + " and state <> 'DELETED'")
        .execute(Tuple.of(SystemUsers.WARM_POOLS))
        .await()
        .atMost(Duration.ofSeconds(10))
        .iterator()
        .next()
        .getLong(0);
  }

  private JsonPath create(String token, String region, String name, String requestId) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", region);
    in.put("name", name);
    in.put("requestId", requestId);
    return run(token, "desktops", "CreateDesktop", "input", in);
  }

  @Test
  void aUserGetsARunningMemberAtOnceAndThePoolRefills() {
    String poolId = createPool("warm-north", null, 2);
    Map<String, Object> fresh = poolOf(poolId);
    assertThat(fresh.get("size")).isEqualTo(2);
    assertThat(((Map<?, ?>) fresh.get("template")).get("name")).isEqualTo("warm-openbox");
    awaitReady(poolId, 2);

    String alice = TestUsers.create(pool, tokens, "warm-alice", 1).get(0);
    JsonPath got = create(alice, "warm-north", "my desk", "warm-req-1");
    String id = got.getString("data.createDesktop.id");
    assertThat(id).as(got.prettify()).isNotNull();
    // Handed over running: no placement, no start to wait for.
    assertThat(got.getBoolean("data.createDesktop.fromPool")).isTrue();
    assertThat(got.getString("data.createDesktop.state")).isEqualTo("RUNNING");
    assertThat(got.getString("data.createDesktop.name")).isEqualTo("my desk");
    assertThat(got.getString("data.createDesktop.owner.username")).isEqualTo("warm-alice-1");
    assertThat(got.getString("data.createDesktop.cluster.region")).isEqualTo("warm-north");

    // Its replacement waits a moment (opencdi.pools.refill-after-claim, 3 s): alice's first
    // connection does not share the host with a desktop starting. The keeper looks every 0.3 s
    // here, so without the wait a new member would be there within this second.
    Set<UUID> left = Set.copyOf(memberIds(poolId));
    assertThat(left).hasSize(1).doesNotContain(UUID.fromString(id));
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(2))
        .until(() -> Set.copyOf(memberIds(poolId)).equals(left));

    // It is the user's now: listed as theirs, counted against their quota, and a retry with
    // its requestId answers the same desktop instead of taking a second member.
    JsonPath mine = run(alice, "desktops", "Desktops");
    assertThat(mine.getList("data.desktops.edges.node.id")).containsExactly(id);
    JsonPath again = create(alice, "warm-north", "my desk", "warm-req-1");
    assertThat(again.getString("data.createDesktop.id")).isEqualTo(id);
    assertThat(run(alice, "auth", "MyQuota").getInt("data.me.quota.usedDesktops")).isEqualTo(1);

    // The pool refills to its size with a new member.
    awaitReady(poolId, 2);
    assertThat(memberIds(poolId)).doesNotContain(UUID.fromString(id));

    // A member does not count against a quota until it is claimed, so a claim is checked
    // against the quota first: at her limit of one desktop alice gets none, and the pool
    // keeps both members.
    JsonPath limit =
        run(
            admin,
            "auth",
            "SetUserQuota",
            "username",
            "warm-alice-1",
            "quota",
            Map.of("maxDesktops", 1));
    assertThat(limit.getList("errors")).as(limit.prettify()).isNull();
    Set<UUID> before = Set.copyOf(memberIds(poolId));
    JsonPath over = create(alice, "warm-north", "second desk", "warm-req-2");
    assertThat(over.getString("errors[0].extensions.code"))
        .as(over.prettify())
        .isEqualTo("QUOTA_EXCEEDED");
    assertThat(Set.copyOf(memberIds(poolId))).isEqualTo(before);
    assertThat(run(alice, "auth", "MyQuota").getInt("data.me.quota.usedDesktops")).isEqualTo(1);

    // Removing the pool removes its unclaimed members, never the desktop a user got from it.
    run(admin, "pools", "DeletePool", "id", poolId);
    pools.remove(poolId);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(unclaimedMembers()).isZero());
    JsonPath still = run(alice, "desktops", "Desktop", "id", id);
    assertThat(still.getString("data.desktop.state")).isEqualTo("RUNNING");
  }

  @Test
  void aBurstLargerThanThePoolIsServedFromThePoolFirstThenCold() throws Exception {
    String poolId = createPool("warm-north", null, 3);
    awaitReady(poolId, 3);
    int users = 8;
    List<String> racers = TestUsers.create(pool, tokens, "warm-racer", users);
    ExecutorService threads = Executors.newFixedThreadPool(users);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<JsonPath>> results = new ArrayList<>();
    for (String racer : racers) {
      Callable<JsonPath> call =
          () -> {
            start.await();
            return create(racer, "warm-north", null, null);
          };
      results.add(threads.submit(call));
    }
    start.countDown();
    int fromPool = 0;
    Set<String> ids = new HashSet<>();
    for (Future<JsonPath> f : results) {
      JsonPath r = f.get();
      String id = r.getString("data.createDesktop.id");
      assertThat(id).as(r.prettify()).isNotNull();
      ids.add(id);
      if (r.getBoolean("data.createDesktop.fromPool")) {
        fromPool++;
      }
    }
    threads.shutdown();
    // Every member went to exactly one user; the rest started cold.
    assertThat(ids).hasSize(users);
    assertThat(fromPool).isEqualTo(3);
    // Each desktop has one owner, and the capacity held matches the desktops holding it.
    for (Row r :
        pool.preparedQuery(
                "select n.cluster_id, n.name, n.used_cpu_millis, n.used_desktops,"
                    + " coalesce(sum(d.cpu_millis) filter (where d.holds_capacity), 0) as held,"
                    + " count(d.id) filter (where d.holds_capacity) as holding"
                    + " from node_group n join cluster c on c.id = n.cluster_id"
                    + " left join desktop d on d.cluster_id = n.cluster_id"
                    + " and d.node_group = n.name"
                    + " where c.name in ('warm-north', 'warm-south', 'warm-east')"
                    + " group by n.cluster_id, n.name, n.used_cpu_millis, n.used_desktops")
            .execute()
            .await()
            .atMost(Duration.ofSeconds(10))) {
      assertThat(r.getLong("used_cpu_millis"))
          .as("node group " + r.getString("name"))
          .isEqualTo(r.getLong("held"));
      assertThat(r.getLong("used_desktops")).isEqualTo(r.getLong("holding"));
    }
    awaitReady(poolId, 3);
  }

  @Test
  void aUserRefusedRoomGetsTheRoomIdleMembersHeld() {
    // warm-east alone runs gVisor desktops: 8 CPUs, 6 of them held by an idle pool.
    Map<String, Object> template = new HashMap<>();
    template.put("name", "warm-gvisor");
    template.put("image", "opencdi/desktop-openbox:0.1");
    template.put("cpuMillis", 1000);
    template.put("memoryMiB", 1024);
    template.put("runtimeClass", "gvisor");
    JsonPath t = run(admin, "templates", "CreateTemplate", "input", template);
    String gvisor = t.getString("data.createTemplate.id");
    assertThat(gvisor).as(t.prettify()).isNotNull();
    String poolId = createPool(gvisor, "warm-east", null, 6);
    awaitReady(poolId, 6);

    // A 4-CPU desktop does not fit beside them: refused, told that room is being made. (Until the
    // keeper's next pass after the members became ready, this replica does not yet know they are
    // idle, and the refusal is a plain one that changes nothing: asked again until it knows.)
    String carol = TestUsers.create(pool, tokens, "warm-carol", 1).get(0);
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", gvisor);
    in.put("region", "warm-east");
    in.put("cpuMillis", 4000);
    JsonPath refused =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> run(carol, "desktops", "CreateDesktop", "input", in),
                r -> String.valueOf(r.getString("errors[0].message")).contains("being released"));
    assertThat(refused.getString("errors[0].extensions.code"))
        .as(refused.prettify())
        .isEqualTo("UNSCHEDULABLE");
    assertThat(refused.getString("errors[0].message")).contains("being released to make room");

    // The keeper releases members holding 4 CPUs and holds the refill, so trying again (as
    // often as an impatient user would) gets in, and releases no more than that.
    String[] id = new String[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              JsonPath again = run(carol, "desktops", "CreateDesktop", "input", in);
              id[0] = again.getString("data.createDesktop.id");
              assertThat(id[0]).as(again.prettify()).isNotNull();
            });
    JsonPath mine = run(carol, "desktops", "Desktop", "id", id[0]);
    assertThat(mine.getString("data.desktop.cluster.name")).isEqualTo("warm-east");
    assertThat(mine.getBoolean("data.desktop.fromPool")).isFalse();
    // Four 1-CPU members made the 4 CPUs; the other two are still the pool's.
    assertThat(unclaimedMembers()).isEqualTo(2);

    // Once the hold is over the pool grows back into what is left, not into the user's room.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Map<String, Object> p = poolOf(poolId);
              assertThat(p.get("ready")).as(p.toString()).isEqualTo(4);
              assertThat((String) p.get("statusReason")).startsWith("short of 2 members");
            });
    assertThat(run(carol, "desktops", "Desktop", "id", id[0]).getString("data.desktop.state"))
        .isIn("SCHEDULED", "STARTING", "RUNNING");
  }

  @Test
  void onlyCreationsThePoolCanServeTakeFromIt() {
    String poolId = createPool("warm-north", "warm-north-1a", 1);
    awaitReady(poolId, 1);
    String bob = TestUsers.create(pool, tokens, "warm-bob", 1).get(0);

    // Another region, another zone or other resources than the template's start cold.
    JsonPath south = create(bob, "warm-south", null, null);
    assertThat(south.getBoolean("data.createDesktop.fromPool")).as(south.prettify()).isFalse();
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", "warm-north");
    in.put("zone", "warm-north-1b");
    JsonPath otherZone = run(bob, "desktops", "CreateDesktop", "input", in);
    assertThat(otherZone.getBoolean("data.createDesktop.fromPool")).isFalse();
    in.put("zone", "warm-north-1a");
    in.put("cpuMillis", 2000);
    JsonPath bigger = run(bob, "desktops", "CreateDesktop", "input", in);
    assertThat(bigger.getBoolean("data.createDesktop.fromPool")).as(bigger.prettify()).isFalse();
    in.remove("cpuMillis");
    // Members have the template's layers: a launch that adds one starts cold.
    Map<String, Object> layer = new HashMap<>();
    layer.put("name", "warm-extra");
    layer.put("version", "1");
    layer.put("image", "example.org/apps/warm-extra:1");
    in.put(
        "apps",
        List.of(
            run(admin, "apps", "CreateAppLayer", "input", layer)
                .getString("data.createAppLayer.id")));
    JsonPath layered = run(bob, "apps", "CreateDesktopWithApps", "input", in);
    assertThat(layered.getBoolean("data.createDesktop.fromPool")).as(layered.prettify()).isFalse();
    assertThat(layered.getList("data.createDesktop.apps.name")).containsExactly("warm-extra");
    assertThat(poolOf(poolId).get("ready")).isEqualTo(1);

    // The pool's own zone with the template's resources and layers takes its member.
    in.remove("apps");
    JsonPath served = run(bob, "desktops", "CreateDesktop", "input", in);
    assertThat(served.getBoolean("data.createDesktop.fromPool")).as(served.prettify()).isTrue();
  }

  @Test
  void membersOfAChangedTemplateAreReplacedNeverHandedOut() {
    Map<String, Object> template = new HashMap<>();
    template.put("name", "warm-changing");
    template.put("image", "opencdi/desktop-openbox:0.1");
    template.put("cpuMillis", 1000);
    template.put("memoryMiB", 1024);
    String changing =
        run(admin, "templates", "CreateTemplate", "input", template)
            .getString("data.createTemplate.id");
    String poolId = createPool(changing, "warm-south", null, 1);
    awaitReady(poolId, 1);
    UUID before = memberIds(poolId).get(0);

    Map<String, Object> layer = new HashMap<>();
    layer.put("name", "warm-added");
    layer.put("version", "1");
    layer.put("image", "example.org/apps/warm-added:1");
    template.put(
        "apps",
        List.of(
            run(admin, "apps", "CreateAppLayer", "input", layer)
                .getString("data.createAppLayer.id")));
    JsonPath changed = run(admin, "templates", "UpdateTemplate", "id", changing, "input", template);
    assertThat(changed.getString("data.updateTemplate.id")).as(changed.prettify()).isNotNull();

    // The member without the layer is replaced by one with it; a user gets the new one.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(memberIds(poolId)).doesNotContain(before).hasSize(1);
              awaitReady(poolId, 1);
            });
    String dave = TestUsers.create(pool, tokens, "warm-dave", 1).get(0);
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", changing);
    in.put("region", "warm-south");
    JsonPath got = run(dave, "apps", "CreateDesktopWithApps", "input", in);
    assertThat(got.getBoolean("data.createDesktop.fromPool")).as(got.prettify()).isTrue();
    assertThat(got.getString("data.createDesktop.id")).isNotEqualTo(before.toString());
    assertThat(got.getList("data.createDesktop.apps.name")).containsExactly("warm-added");
  }

  @Test
  void aSmallerSizeDeletesTheMembersBeyondIt() {
    String poolId = createPool("warm-south", null, 3);
    awaitReady(poolId, 3);
    JsonPath resized = run(admin, "pools", "UpdatePool", "id", poolId, "size", 1);
    assertThat(resized.getInt("data.updatePool.size")).as(resized.prettify()).isEqualTo(1);
    awaitReady(poolId, 1);
    assertThat(unclaimedMembers()).isEqualTo(1);
  }

  @Test
  void usersCannotSeeChangeOrBecomeThePools() {
    String poolId = createPool("warm-south", null, 1);
    awaitReady(poolId, 1);
    UUID member = memberIds(poolId).get(0);
    String mallory = TestUsers.create(pool, tokens, "warm-mallory", 1).get(0);

    // Pools are the admins': a user can neither list nor change them.
    assertThat(errorCode(run(mallory, "pools", "Pools"))).isEqualTo("FORBIDDEN");
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", "warm-south");
    in.put("size", 50);
    assertThat(errorCode(run(mallory, "pools", "CreatePool", "input", in))).isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(mallory, "pools", "UpdatePool", "id", poolId, "size", 1000)))
        .isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(mallory, "pools", "DeletePool", "id", poolId))).isEqualTo("FORBIDDEN");

    // A member is nobody's desktop until it is handed over: not to be seen, powered or deleted
    // by id, and not in anyone's list.
    assertThat(errorCode(run(mallory, "desktops", "Desktop", "id", member.toString())))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(mallory, "desktops", "StopDesktop", "id", member.toString())))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(mallory, "desktops", "DeleteDesktop", "id", member.toString())))
        .isEqualTo("NOT_FOUND");
    assertThat(run(mallory, "desktops", "Desktops").getList("data.desktops.edges")).isEmpty();

    // Nobody signs in as the members' owner, and it is not a user an admin can create for.
    JsonPath signIn =
        run(
            null,
            "auth",
            "Login",
            "username",
            "opencdi:warm-pools",
            "password",
            "opencdi:warm-pools");
    assertThat(errorCode(signIn)).isEqualTo("UNAUTHENTICATED");
    assertThat(run(admin, "auth", "Users").getList("data.users.username"))
        .doesNotContain("opencdi:warm-pools");
    Map<String, Object> bulk = new HashMap<>();
    bulk.put("templateId", templateId);
    bulk.put("owners", List.of("opencdi:warm-pools"));
    assertThat(errorCode(run(admin, "desktops", "CreateDesktops", "input", bulk)))
        .isEqualTo("NOT_FOUND");
    assertThat(memberIds(poolId)).containsExactly(member);
  }

  @Test
  void badPoolsAreRefusedAndChangeNothing() {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", "warm-north");
    in.put("size", -1);
    assertThat(errorCode(run(admin, "pools", "CreatePool", "input", in))).isEqualTo("VALIDATION");
    in.put("size", 1001);
    assertThat(errorCode(run(admin, "pools", "CreatePool", "input", in))).isEqualTo("VALIDATION");
    in.put("size", 0);
    in.put("region", " ");
    assertThat(errorCode(run(admin, "pools", "CreatePool", "input", in))).isEqualTo("VALIDATION");
    in.put("region", "warm-north");
    in.put("templateId", UUID.randomUUID().toString());
    assertThat(errorCode(run(admin, "pools", "CreatePool", "input", in))).isEqualTo("NOT_FOUND");
    assertThat(run(admin, "pools", "Pools").getList("data.pools")).isEmpty();

    String poolId = createPool("warm-north", null, 0);
    in.put("templateId", templateId);
    assertThat(errorCode(run(admin, "pools", "CreatePool", "input", in))).isEqualTo("CONFLICT");
    assertThat(errorCode(run(admin, "pools", "UpdatePool", "id", poolId, "size", 5000)))
        .isEqualTo("VALIDATION");
    String missing = UUID.randomUUID().toString();
    assertThat(errorCode(run(admin, "pools", "UpdatePool", "id", missing, "size", 1)))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(admin, "pools", "DeletePool", "id", missing))).isEqualTo("NOT_FOUND");
    assertThat(run(admin, "pools", "Pools").getList("data.pools.size")).containsExactly(0);
  }

  private List<UUID> memberIds(String poolId) {
    List<UUID> out = new ArrayList<>();
    pool.preparedQuery(
            "select id from desktop where pool_id = $1 and not delete_requested"
                + " and state <> 'DELETED'")
        .execute(Tuple.of(UUID.fromString(poolId)))
        .await()
        .atMost(Duration.ofSeconds(10))
        .forEach(r -> out.add(r.getUUID(0)));
    return out;
  }
}
