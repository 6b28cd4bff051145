package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.document;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.GraphQLSocket;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Identical subscriptions run once per group and reach exactly the members entitled to them: users
 * and admins subscribing with the same document get their own events, a refusal or a session that
 * ends touches only its own member.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscriptionGroupsTest {
  private static final String EVENTS = "DesktopEvents";
  private static final String FLEET =
      """
      clusters:
        - name: groups-a
          region: eu-west
          zone: eu-west-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject MeterRegistry meters;

  private AgentProcess agent;

  // Not @BeforeAll: the HTTP port of the application under test is known only per test.
  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    agent = AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "groups-agent");
    String admin = login("admin");
    agent.awaitReady(admin, "groups-a");
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private GraphQLSocket subscribed(String token, JsonObject variables) throws Exception {
    GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token);
    ws.subscribe("events", document("desktops"), EVENTS, variables);
    return ws;
  }

  private static String createDesktop(String token, String name) {
    String templateId =
        run(token, "templates", "Templates")
            .getString("data.templates.find { it.name == 'xfce' }.id");
    String id =
        run(
                token,
                "desktops",
                "CreateDesktop",
                "input",
                java.util.Map.of("templateId", templateId, "name", name))
            .getString("data.createDesktop.id");
    assertThat(id).as("desktop %s created", name).isNotNull();
    return id;
  }

  /** The desktop ids a socket's events were about. */
  private static Set<String> desktops(GraphQLSocket ws) {
    return ws.ofType("next").stream()
        .map(m -> m.getJsonObject("payload").getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("desktopEvents") != null)
        .map(d -> d.getJsonObject("desktopEvents").getJsonObject("desktop").getString("id"))
        .collect(java.util.stream.Collectors.toSet());
  }

  private static List<String> payloads(GraphQLSocket ws) {
    return ws.ofType("next").stream().map(m -> m.getJsonObject("payload").encode()).toList();
  }

  private double count(String meter) {
    return meters.get(meter).counter().count();
  }

  private long timed(String meter) {
    return meters.get(meter).timer().count();
  }

  private static String token(String userId, String name, String role, long seconds) {
    return Jwt.issuer("https://opencdi.local/built-in")
        .upn(name)
        .subject(userId)
        .claim(TokenService.USER_ID_CLAIM, userId)
        .groups(Set.of(role))
        .expiresIn(seconds)
        .sign();
  }

  @Test
  void twoUsersAndAnAdminWithTheSameDocumentGetExactlyTheirOwnEventsRenderedOncePerGroup()
      throws Exception {
    String alice = login("alice");
    String bob = login("bob");
    String admin = login("admin");
    JsonObject all = new JsonObject();
    try (GraphQLSocket alice1 = subscribed(alice, all);
        GraphQLSocket alice2 = subscribed(alice, all);
        GraphQLSocket bob1 = subscribed(bob, all);
        GraphQLSocket admin1 = subscribed(admin, all);
        GraphQLSocket admin2 = subscribed(admin, all)) {
      List<GraphQLSocket> sockets = List.of(alice1, alice2, bob1, admin1, admin2);
      Thread.sleep(500); // the subscriptions are in place before the changes
      double rendersBefore = count(SocketMeters.RENDERS);
      long handOutsBefore = timed(SocketMeters.HANDOUT_WAIT);
      long writtenBefore = timed(SocketMeters.WRITTEN);
      int[] seenBefore = sockets.stream().mapToInt(s -> s.ofType("next").size()).toArray();

      String ofAlice = createDesktop(alice, "ga-" + UUID.randomUUID().toString().substring(0, 8));
      String ofBob = createDesktop(bob, "gb-" + UUID.randomUUID().toString().substring(0, 8));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> desktops(admin1).containsAll(List.of(ofAlice, ofBob)));
      // Let the desktops' start-ups and every other change settle before counting.
      awaitQuiet(sockets);

      assertThat(desktops(alice1)).contains(ofAlice).doesNotContain(ofBob);
      assertThat(desktops(bob1)).contains(ofBob).doesNotContain(ofAlice);
      assertThat(desktops(admin1)).contains(ofAlice, ofBob);
      for (GraphQLSocket s : sockets) {
        assertThat(s.ofType("error")).isEmpty();
        assertThat(s.closeCode()).isNull();
      }
      // Members of one group received the very same bytes, in the same order.
      assertThat(payloads(alice2)).isEqualTo(payloads(alice1));
      assertThat(payloads(admin2)).isEqualTo(payloads(admin1));
      // Each event was rendered once per group (alice, bob, admins), not once per subscriber.
      int perGroup =
          Stream.of(alice1, bob1, admin1)
              .mapToInt(s -> s.ofType("next").size() - seenBefore[sockets.indexOf(s)])
              .sum();
      assertThat(count(SocketMeters.RENDERS) - rendersBefore).isEqualTo(perGroup);
      assertThat(perGroup).isGreaterThan(0);
      // Every rendered event's wait for the fan-out thread was timed, and every message written.
      assertThat(timed(SocketMeters.HANDOUT_WAIT) - handOutsBefore).isEqualTo(perGroup);
      int delivered =
          IntStream.range(0, sockets.size())
              .map(i -> sockets.get(i).ofType("next").size() - seenBefore[i])
              .sum();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(timed(SocketMeters.WRITTEN) - writtenBefore).isEqualTo(delivered));
    }
  }

  @Test
  void aSubscriptionRefusedForOneMemberIsRefusedForThatMemberOnly() throws Exception {
    String alice = login("alice");
    String bob = login("bob");
    String admin = login("admin");
    String ofAlice =
        createDesktop(alice, "refused-" + UUID.randomUUID().toString().substring(0, 8));
    JsonObject one = new JsonObject().put("desktopId", ofAlice);
    try (GraphQLSocket owner = subscribed(alice, one);
        GraphQLSocket intruder = subscribed(bob, one);
        GraphQLSocket operator = subscribed(admin, one)) {
      // Bob asks for alice's desktop with the very document and variables she uses.
      await().atMost(Duration.ofSeconds(10)).until(() -> !intruder.ofType("complete").isEmpty());
      JsonObject refusal = intruder.ofType("next").get(0).getJsonObject("payload");
      // No desktop of alice's reaches bob: the field is null, with the error beside it.
      assertThat(
              refusal.getValue("data") == null
                  || refusal.getJsonObject("data").getValue("desktopEvents") == null)
          .as(refusal.encode())
          .isTrue();
      String code =
          refusal
              .getJsonArray("errors")
              .getJsonObject(0)
              .getJsonObject("extensions")
              .getString("code");
      assertThat(code).isIn("NOT_FOUND", "FORBIDDEN");

      run(alice, "desktops", "StopDesktop", "id", ofAlice);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Stream.of(owner, operator)
                      .allMatch(
                          s ->
                              s.ofType("next").stream()
                                  .anyMatch(m -> m.encode().contains("\"STOPPING\""))));
      assertThat(desktops(owner)).containsExactly(ofAlice);
      assertThat(desktops(operator)).containsExactly(ofAlice);
      assertThat(owner.ofType("complete")).isEmpty();
      assertThat(operator.ofType("complete")).isEmpty();
      assertThat(intruder.ofType("next")).hasSize(1);
      assertThat(desktops(intruder)).isEmpty();
    }
  }

  @Test
  void aMemberWhoseSessionEndsIsRemovedAloneAndTheOthersKeepReceiving() throws Exception {
    String alice = login("alice");
    String aliceId = run(alice, "auth", "Me").getString("data.me.id");
    String shortLived = token(aliceId, "alice", "user", 3);
    String signedOut = login("alice");
    JsonObject all = new JsonObject();
    try (GraphQLSocket staying = subscribed(alice, all);
        GraphQLSocket expiring = subscribed(shortLived, all);
        GraphQLSocket leaving = subscribed(signedOut, all)) {
      // All three are alice's: one group. One token expires, another is signed out.
      run(signedOut, "auth", "Logout");
      leaving.subscribe("again", "subscription { desktopEvents { at } }");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> expiring.closeCode() != null && leaving.closeCode() != null);
      assertThat(expiring.closeCode()).isEqualTo((short) 4401);
      assertThat(leaving.closeCode()).isEqualTo((short) 4401);
      int expiredSaw = expiring.ofType("next").size();
      int leftSaw = leaving.ofType("next").size();

      String after = createDesktop(alice, "after-" + UUID.randomUUID().toString().substring(0, 8));
      await().atMost(Duration.ofSeconds(30)).until(() -> desktops(staying).contains(after));
      assertThat(staying.closeCode()).isNull();
      assertThat(staying.ofType("complete")).isEmpty();
      assertThat(expiring.ofType("next")).hasSize(expiredSaw);
      assertThat(leaving.ofType("next")).hasSize(leftSaw);
      assertThat(desktops(expiring)).doesNotContain(after);
      assertThat(desktops(leaving)).doesNotContain(after);
    }
  }

  /** Waits until no socket has received anything for two seconds. */
  private static void awaitQuiet(List<GraphQLSocket> sockets) throws InterruptedException {
    int last = -1;
    for (int i = 0; i < 60; i++) {
      int now = sockets.stream().mapToInt(s -> s.ofType("next").size()).sum();
      if (now == last) {
        return;
      }
      last = now;
      Thread.sleep(2000);
    }
  }
}
