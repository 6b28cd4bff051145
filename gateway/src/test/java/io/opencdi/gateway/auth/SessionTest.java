package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.common.UnauthenticatedException;
import io.opencdi.gateway.testing.GraphQLSocket;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.jwt.build.Jwt;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Sessions end when they should: signed out, expired, or with a role taken away. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SessionTest {
  private static final String BUILT_IN_ISSUER = "https://opencdi.local/built-in";

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject Sessions sessions;

  /** POSTs a document with {@code token}, whatever the HTTP status. */
  private static io.restassured.response.Response post(String token, String query) {
    return given()
        .contentType(ContentType.JSON)
        .header("Authorization", "Bearer " + token)
        .body(Map.of("query", query))
        .post("/graphql");
  }

  /** A built-in token for {@code userId}, as login issues it, valid for {@code seconds}. */
  private static String builtInToken(String userId, String name, String role, long seconds) {
    return Jwt.issuer(BUILT_IN_ISSUER)
        .upn(name)
        .subject(userId)
        .claim(TokenService.USER_ID_CLAIM, userId)
        .groups(Set.of(role))
        .expiresIn(seconds)
        .sign();
  }

  private String newUser(String role) {
    UUID id = UUID.randomUUID();
    pool.preparedQuery(
            "insert into app_user (id, username, role, created_at) values ($1, $2, $3, now())")
        .execute(Tuple.of(id, "session-" + id.toString().substring(0, 8), role))
        .await()
        .indefinitely();
    return id.toString();
  }

  private boolean desktopNamed(String token, String name) {
    return run(token, "desktops", "Desktops", "first", 100)
        .getList("data.desktops.edges.node.name", String.class)
        .contains(name);
  }

  private String createDesktopMutation(String token, String name) {
    String templateId = run(token, "templates", "Templates").getString("data.templates[0].id");
    return "mutation { createDesktop(input: {templateId: \""
        + templateId
        + "\", name: \""
        + name
        + "\"}) { id } }";
  }

  @Test
  void aCrowdArrivingAtOnceIsReadInFewQueriesAndEveryoneGetsTheirOwnAnswer() throws Exception {
    int crowd = 40;
    List<String> ids = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < crowd; i++) {
      ids.add(newUser(i % 2 == 0 ? "admin" : "user"));
      tokens.add(builtInToken(ids.get(i), "crowd-" + i, i % 2 == 0 ? "admin" : "user", 300));
    }
    String gone = UUID.randomUUID().toString();
    String ofNobody = builtInToken(gone, "nobody", "user", 300);
    String signedOut = builtInToken(newUser("user"), "signed-out", "user", 300);
    pool.preparedQuery(
            "insert into revoked_token (token_hash, expires_at) values ($1, now() + interval '1 hour')")
        .execute(Tuple.of(Sessions.fingerprint(signedOut)))
        .await()
        .indefinitely();
    // verify() checks each signature before it asks anything of the inventory; the crowd's
    // signatures are checked first so that all 42 questions reach the inventory at the same moment,
    // as they do when that many requests are already waiting for a replica that has just started.
    List<io.smallrye.mutiny.Uni<Session>> asked = new ArrayList<>();
    for (String token : tokens) {
      asked.add(sessions.verify(token));
    }
    var askedOfNobody = sessions.verify(ofNobody);
    var askedRevoked = sessions.verify(signedOut);
    long queriesBefore = sessions.sessionReadQueries();

    List<java.util.concurrent.CompletableFuture<Session>> answers = new ArrayList<>();
    for (var uni : asked) {
      answers.add(uni.subscribeAsCompletionStage());
    }
    var nobody = askedOfNobody.subscribeAsCompletionStage();
    var revoked = askedRevoked.subscribeAsCompletionStage();

    for (int i = 0; i < crowd; i++) {
      Session s = answers.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(s.caller().userId()).hasToString(ids.get(i));
      assertThat(s.caller().admin()).isEqualTo(i % 2 == 0);
    }
    assertThatThrownBy(() -> nobody.get(60, java.util.concurrent.TimeUnit.SECONDS))
        .hasCauseInstanceOf(UnauthenticatedException.class);
    assertThatThrownBy(() -> revoked.get(60, java.util.concurrent.TimeUnit.SECONDS))
        .hasCauseInstanceOf(UnauthenticatedException.class)
        .hasMessageContaining("revoked");
    assertThat(sessions.sessionReadQueries() - queriesBefore)
        .as("42 sessions asked for at once are read together, not one query each")
        .isLessThanOrEqualTo(10);
  }

  @Test
  void afterLogoutTheTokenIsRefusedOnHttpAndOnANewWebSocket() throws Exception {
    String token = login("alice");
    assertThat(run(token, "auth", "Logout").getBoolean("data.logout")).isTrue();

    JsonPath http = post(token, "{ me { username } }").then().statusCode(401).extract().jsonPath();
    assertThat(errorCode(http)).isEqualTo("UNAUTHENTICATED");
    assertThat(http.getString("errors[0].message")).contains("revoked");

    try (GraphQLSocket ws = GraphQLSocket.open(base.getPort())) {
      ws.init(token);
      await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null);
      assertThat(ws.closeCode()).isEqualTo((short) 4403);
      assertThat(ws.ofType("connection_ack")).isEmpty();
    }
    // The list every replica reads holds the token's fingerprint, never the token.
    long rows =
        pool.preparedQuery("select count(*) from revoked_token where token_hash = $1")
            .execute(Tuple.of(Sessions.fingerprint(token)))
            .await()
            .indefinitely()
            .iterator()
            .next()
            .getLong(0);
    assertThat(rows).isEqualTo(1);
    // Alice's other sessions are hers to keep.
    assertThat(run(login("alice"), "auth", "Me").getString("data.me.username")).isEqualTo("alice");
  }

  @Test
  void aWebSocketOpenedBeforeLogoutRunsNothingAfterIt() throws Exception {
    String token = login("alice");
    String mutation = createDesktopMutation(token, "after-logout");
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token)) {
      run(token, "auth", "Logout");
      ws.subscribe("1", mutation);
      await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null);
      assertThat(ws.closeCode()).isEqualTo((short) 4401);
      assertThat(ws.about("1")).isEmpty();
    }
    assertThat(desktopNamed(login("alice"), "after-logout")).isFalse();
  }

  @Test
  void aRunningSubscriptionEndsWhenItsSessionSignsOut() throws Exception {
    String token = login("alice");
    String other = login("alice");
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token);
        GraphQLSocket kept = GraphQLSocket.signedIn(base.getPort(), other)) {
      ws.subscribe("1", "subscription { desktopEvents { at } }");
      kept.subscribe("1", "subscription { desktopEvents { at } }");
      // Signed out from another connection: no further message on the socket is needed.
      assertThat(run(token, "auth", "Logout").getBoolean("data.logout")).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null);
      assertThat(ws.closeCode()).isEqualTo((short) 4401);
      // The same user's other session is not touched.
      assertThat(kept.closeCode()).isNull();
    }
  }

  @Test
  void aRoleTakenAwayInTheInventoryCountsAsSoonAsTheDatabaseAnnouncesIt() throws Exception {
    String id = newUser("admin");
    String token = builtInToken(id, "demoted", "admin", 300);
    assertThat(run(token, "auth", "Users").getList("data.users")).isNotEmpty();
    // What the inventory said is kept: the next request does not read it again.
    assertThat(sessions.lookups().get(Sessions.fingerprint(token)).admin()).isTrue();
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token)) {
      // An operator's SQL, not the API: the database's trigger tells every replica.
      pool.preparedQuery("update app_user set role = 'user' where id = $1")
          .execute(Tuple.of(UUID.fromString(id)))
          .await()
          .indefinitely();
      // The token still says admin; the inventory does not. The notification takes milliseconds.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sessions.lookups().get(Sessions.fingerprint(token)) == null);
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> "FORBIDDEN".equals(errorCode(run(token, "auth", "Users"))));
      ws.subscribe("1", "{ users { id } }");
      await().atMost(Duration.ofSeconds(10)).until(() -> !ws.about("1").isEmpty());
      assertThat(
              ws.about("1")
                  .get(0)
                  .getJsonObject("payload")
                  .getJsonArray("errors")
                  .getJsonObject(0)
                  .getJsonObject("extensions")
                  .getString("code"))
          .isEqualTo("FORBIDDEN");
    }
    // A user deleted from the inventory has no session at all.
    assertThat(run(token, "auth", "Me").getString("data.me.id")).isEqualTo(id);
    pool.preparedQuery("delete from app_user where id = $1")
        .execute(Tuple.of(UUID.fromString(id)))
        .await()
        .indefinitely();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> post(token, "{ me { id } }").statusCode() == 401);
    assertThat(errorCode(post(token, "{ me { id } }").then().statusCode(401).extract().jsonPath()))
        .isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void aWebSocketClosesWhenItsTokenExpiresAndTheTokenRunsNothingAfterwards() throws Exception {
    String aliceId = run(login("alice"), "auth", "Me").getString("data.me.id");
    String shortLived = builtInToken(aliceId, "alice", "user", 3);
    String mutation = createDesktopMutation(shortLived, "after-expiry");
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), shortLived)) {
      ws.subscribe("events", "subscription { desktopEvents { at } }");
      await().atMost(Duration.ofSeconds(20)).until(() -> ws.closeCode() != null);
      assertThat(ws.closeCode()).isEqualTo((short) 4401);
    }
    // smallrye-jwt would allow a minute of clock skew; the gateway does not.
    JsonPath http = post(shortLived, mutation).then().statusCode(401).extract().jsonPath();
    assertThat(errorCode(http)).isEqualTo("UNAUTHENTICATED");
    assertThat(desktopNamed(login("alice"), "after-expiry")).isFalse();
  }
}
