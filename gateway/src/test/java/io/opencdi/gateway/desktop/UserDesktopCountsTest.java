package io.opencdi.gateway.desktop;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The desktop counts of the console's Users page: {@code User.ownedDesktops} (not DELETED) and
 * {@code User.runningDesktops}, right for users with desktops in several states, answered for every
 * user of a {@code users} listing in one request with one grouped query shared by both fields
 * ({@link RequestDesktopCounts}; counted here through {@link CountingDesktopQueries}), the same as
 * the per-user {@code desktops(filter)} totals the page used to ask for, and refused to anyone but
 * admins and the user themselves.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(UserDesktopCountsTest.CountedQueries.class)
class UserDesktopCountsTest {
  /** The application with {@link CountingDesktopQueries} in place of {@link DesktopQueries}. */
  public static class CountedQueries implements QuarkusTestProfile {
    @Override
    public Set<Class<?>> getEnabledAlternatives() {
      return Set.of(CountingDesktopQueries.class);
    }
  }

  /**
   * {@link DesktopQueries} that records how many users each count query was for: one entry is one
   * grouped SQL statement.
   */
  @Alternative
  @Singleton
  public static class CountingDesktopQueries extends DesktopQueries {
    static final List<Integer> COUNT_QUERIES = new CopyOnWriteArrayList<>();

    public CountingDesktopQueries(Db db) {
      super(db);
    }

    @Override
    public Uni<Map<UUID, OwnerCounts>> countsByOwner(Collection<UUID> owners) {
      COUNT_QUERIES.add(owners.size());
      return super.countsByOwner(owners);
    }
  }

  private static final String REGION = "counts-west";
  private static final String FLEET =
      """
      clusters:
        - name: counts-1
          region: counts-west
          zone: counts-west-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 4, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 200 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject TokenService tokens;

  @Test
  void eachUserOfAListingHasTheCountsOfTheirDesktopsByState() {
    String admin = login("admin");
    String prefix = "counts-" + UUID.randomUUID().toString().substring(0, 8);
    // Users 1 to 4 get desktops; the others have none and count zero.
    List<String> users = TestUsers.create(pool, tokens, prefix, 12);
    try (AgentProcess agent =
        AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "counts-agent")) {
      agent.awaitReady(admin, "counts-1");
      String templateId = Desktops.templateId(admin, "openbox-small");

      // User 1: running, powered off, deleted.
      List<String> first = running(users.get(0), templateId, 3);
      Desktops.stop(users.get(0), first.get(1));
      Desktops.delete(users.get(0), first.get(2));
      // User 2: two running.
      running(users.get(1), templateId, 2);
      // User 3: one powered off.
      Desktops.stop(users.get(2), running(users.get(2), templateId, 1).get(0));
      // User 4: one deleted, nothing else.
      Desktops.delete(users.get(3), running(users.get(3), templateId, 1).get(0));

      CountingDesktopQueries.COUNT_QUERIES.clear();
      JsonPath listing = run(admin, "auth", "UserDesktopCounts");
      assertThat(listing.getList("errors")).as(listing.prettify()).isNull();
      // Both counts of every user listed came from one grouped query.
      assertThat(CountingDesktopQueries.COUNT_QUERIES)
          .as("count queries, by the number of users each was for")
          .containsExactly(listing.getList("data.users").size());
      Map<String, int[]> expected =
          Map.of(
              prefix + "-1", new int[] {2, 1},
              prefix + "-2", new int[] {2, 2},
              prefix + "-3", new int[] {1, 0},
              prefix + "-4", new int[] {0, 0});
      for (int i = 1; i <= users.size(); i++) {
        String name = prefix + "-" + i;
        int[] counts = expected.getOrDefault(name, new int[] {0, 0});
        assertThat(owned(listing, name)).as(name + " owns").isEqualTo(counts[0]);
        assertThat(running(listing, name)).as(name + " runs").isEqualTo(counts[1]);
      }

      // The numbers the page showed before, one request per user and state: the same.
      for (int i = 1; i <= users.size(); i++) {
        String name = prefix + "-" + i;
        assertThat(owned(listing, name)).isEqualTo(total(admin, Map.of("owner", name)));
        assertThat(running(listing, name))
            .isEqualTo(total(admin, Map.of("owner", name, "state", "RUNNING")));
      }
      // And every user of the listing has both counts.
      assertThat(listing.getList("data.users.ownedDesktops", Integer.class))
          .as(listing.prettify())
          .hasSize(listing.getList("data.users").size())
          .doesNotContainNull();
      assertThat(listing.getList("data.users.runningDesktops", Integer.class)).doesNotContainNull();

      // So does the console's page, quotas and all.
      CountingDesktopQueries.COUNT_QUERIES.clear();
      JsonPath page = run(admin, List.of("console", "desktops", "clusters"), "UsersWithQuotas");
      assertThat(page.getList("errors")).as(page.prettify()).isNull();
      assertThat(page.getInt("data.users.find { it.username == '" + prefix + "-1' }.ownedDesktops"))
          .isEqualTo(2);
      assertThat(CountingDesktopQueries.COUNT_QUERIES).hasSize(1);

      // A user reads their own counts.
      JsonPath mine = run(users.get(0), "auth", "MyDesktopCounts");
      assertThat(mine.getInt("data.me.ownedDesktops")).as(mine.prettify()).isEqualTo(2);
      assertThat(mine.getInt("data.me.runningDesktops")).isEqualTo(1);
    }
  }

  @Test
  void aUserCannotReadOtherUsersCounts() {
    String user = TestUsers.create(pool, tokens, "counts-nosy-" + UUID.randomUUID(), 1).get(0);
    JsonPath r = run(user, "auth", "UserDesktopCounts");
    assertThat(errorCode(r)).as(r.prettify()).isEqualTo("FORBIDDEN");
    assertThat(r.getString("data")).as("no user's counts are shown").isNull();

    JsonPath mine = run(user, "auth", "MyDesktopCounts");
    assertThat(mine.getList("errors")).as(mine.prettify()).isNull();
    assertThat(mine.getInt("data.me.ownedDesktops")).isZero();
    assertThat(mine.getInt("data.me.runningDesktops")).isZero();
  }

  private static int owned(JsonPath listing, String name) {
    return listing.getInt("data.users.find { it.username == '" + name + "' }.ownedDesktops");
  }

  private static int running(JsonPath listing, String name) {
    return listing.getInt("data.users.find { it.username == '" + name + "' }.runningDesktops");
  }

  private static int total(String admin, Map<String, Object> filter) {
    return run(admin, "desktops", "Desktops", "filter", filter, "first", 1)
        .getInt("data.desktops.totalCount");
  }

  /** Creates {@code count} desktops as the user and waits until they all run. */
  private static List<String> running(String token, String templateId, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(Desktops.running(token, Map.of("templateId", templateId, "region", REGION)));
    }
    return ids;
  }
}
