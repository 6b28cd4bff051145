package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.testing.GraphQLSocket;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Hostile WebSocket clients of {@code /graphql} are cut off; the others keep being served. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GraphQLWebSocketTest {
  private static final String EVENTS = "subscription { desktopEvents { at } }";

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;

  private static String code(JsonObject message) {
    return message
        .getJsonArray("payload")
        .getJsonObject(0)
        .getJsonObject("extensions")
        .getString("code");
  }

  @Test
  void queriesMutationsAndSubscriptionsRunOverTheSocket() throws Exception {
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), login("alice"))) {
      ws.subscribe("q", "{ me { username } }");
      await().atMost(Duration.ofSeconds(10)).until(() -> ws.about("q").size() == 2);
      assertThat(ws.about("q").get(0).getString("type")).isEqualTo("next");
      assertThat(ws.about("q").get(0).getJsonObject("payload").getJsonObject("data").encode())
          .contains("alice");
      assertThat(ws.about("q").get(1).getString("type")).isEqualTo("complete");
      ws.send("{\"type\":\"ping\"}");
      await().atMost(Duration.ofSeconds(10)).until(() -> !ws.ofType("pong").isEmpty());
      // The same request guard as over HTTP.
      ws.subscribe("bomb", RequestLimitsTest.fragmentBomb(25));
      await().atMost(Duration.ofSeconds(10)).until(() -> !ws.about("bomb").isEmpty());
      assertThat(ws.about("bomb").get(0).getString("type")).isEqualTo("error");
      assertThat(code(ws.about("bomb").get(0))).isEqualTo("VALIDATION");
      assertThat(ws.closeCode()).isNull();
    }
  }

  @Test
  void aSocketThatNeverInitialisesIsClosedWith4408() throws Exception {
    try (GraphQLSocket idle = GraphQLSocket.open(base.getPort())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> idle.closeCode() != null);
      assertThat(idle.closeCode()).isEqualTo((short) 4408);
    }
  }

  @Test
  void aMessageOfOneMebibyteIsRefusedBeforeInitialisation() throws Exception {
    String big =
        "{\"type\":\"connection_init\",\"payload\":{\"x\":\"" + "x".repeat(1 << 20) + "\"}}";
    // Sent in frames the server takes one by one: the message is refused with 1009 once it
    // outgrows the endpoint's limit, long before it is complete.
    try (GraphQLSocket fragmented = GraphQLSocket.open(base.getPort())) {
      fragmented.sendInFrames(big, 16 << 10);
      await().atMost(Duration.ofSeconds(10)).until(() -> fragmented.closeCode() != null);
      assertThat(fragmented.closeCode()).isEqualTo((short) 1009);
      assertThat(fragmented.ofType("connection_ack")).isEmpty();
    }
    // Sent as one frame: the connection is dropped at the frame limit.
    try (GraphQLSocket whole = GraphQLSocket.open(base.getPort())) {
      whole.send(big);
      await().atMost(Duration.ofSeconds(10)).until(() -> whole.closeCode() != null);
      assertThat(whole.ofType("connection_ack")).isEmpty();
    }
    // The endpoint keeps serving others.
    try (GraphQLSocket ok = GraphQLSocket.signedIn(base.getPort(), login("alice"))) {
      assertThat(ok.closeCode()).isNull();
    }
  }

  @Test
  void aSecondInitialisationIsClosedWith4429() throws Exception {
    String token = login("alice");
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token)) {
      ws.init(token);
      await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null);
      assertThat(ws.closeCode()).isEqualTo((short) 4429);
    }
  }

  @Test
  void operationsBeyondTheConnectionLimitAreRefusedOneByOne() throws Exception {
    try (GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), login("bob"))) {
      for (int i = 0; i < 33; i++) {
        ws.subscribe("s" + i, EVENTS);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !ws.about("s32").isEmpty());
      assertThat(ws.about("s32").get(0).getString("type")).isEqualTo("error");
      assertThat(code(ws.about("s32").get(0))).isEqualTo("OVERLOADED");
      assertThat(ws.ofType("error")).hasSize(1);
      // Completing one makes room for another; the connection was never closed.
      ws.send("{\"type\":\"complete\",\"id\":\"s0\"}");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                ws.subscribe("again" + System.nanoTime(), EVENTS);
                Thread.sleep(200);
                assertThat(ws.ofType("error")).hasSize(1);
              });
      assertThat(ws.closeCode()).isNull();
    }
  }

  @Test
  void operationsBeyondTheUserLimitAreRefusedOneByOne() throws Exception {
    UUID id = UUID.randomUUID();
    pool.preparedQuery(
            "insert into app_user (id, username, role, created_at) values ($1, $2, 'user', now())")
        .execute(Tuple.of(id, "many-sockets-" + id.toString().substring(0, 8)))
        .await()
        .indefinitely();
    String token =
        Jwt.issuer("https://opencdi.local/built-in")
            .upn("many-sockets")
            .subject(id.toString())
            .claim(TokenService.USER_ID_CLAIM, id.toString())
            .groups(Set.of("user"))
            .expiresIn(300)
            .sign();
    List<GraphQLSocket> sockets = new ArrayList<>();
    try {
      // 8 connections of 32 reach the user's limit of 256; the ninth connection's are refused.
      for (int c = 0; c < 9; c++) {
        GraphQLSocket ws = GraphQLSocket.signedIn(base.getPort(), token);
        sockets.add(ws);
        for (int i = 0; i < 32; i++) {
          ws.subscribe("s" + i, EVENTS);
        }
        if (c < 8) {
          Thread.sleep(300);
          assertThat(ws.ofType("error")).as("connection " + c).isEmpty();
        }
      }
      GraphQLSocket ninth = sockets.get(8);
      await().atMost(Duration.ofSeconds(10)).until(() -> ninth.ofType("error").size() == 32);
      assertThat(ninth.ofType("error")).allMatch(m -> "OVERLOADED".equals(code(m)));
      assertThat(sockets).allMatch(s -> s.closeCode() == null);
      // Another user is not affected.
      try (GraphQLSocket alice = GraphQLSocket.signedIn(base.getPort(), login("alice"))) {
        alice.subscribe("mine", EVENTS);
        Thread.sleep(300);
        assertThat(alice.ofType("error")).isEmpty();
      }
    } finally {
      sockets.forEach(GraphQLSocket::close);
    }
  }
}
