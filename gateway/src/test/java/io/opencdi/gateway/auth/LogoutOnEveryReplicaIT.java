package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.loginAt;
import static io.opencdi.gateway.testing.GraphQL.runAt;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.db.EmbeddedPostgres;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.GraphQLSocket;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two gateway replicas sharing one PostgreSQL: a token signed out at one is refused by the other at
 * once, over HTTP and on a new WebSocket alike.
 */
class LogoutOnEveryReplicaIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @Test
  void aTokenSignedOutAtOneReplicaIsRefusedByTheOther() throws Exception {
    Path dir = Files.createTempDirectory("opencdi-logout-replicas");
    String agentToken = AgentTokens.generate();
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true)) {
      Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
      config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
      try (GatewayProcess a = GatewayProcess.start("gateway-a", config, agentToken);
          GatewayProcess b = GatewayProcess.start("gateway-b", config, agentToken)) {
        // No agent is linked, so neither replica is ready to place; both serve sign-in.
        String token =
            await()
                .atMost(WAIT)
                .ignoreExceptions()
                .until(() -> loginAt(a.port(), "alice"), t -> t != null);
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .until(() -> loginAt(b.port(), "bob"), t -> t != null);
        assertThat(runAt(b.port(), token, "auth", "Me").getString("data.me.username"))
            .isEqualTo("alice");

        try (GraphQLSocket open = GraphQLSocket.signedIn(b.port(), token)) {
          open.subscribe("1", "subscription { desktopEvents { at } }");
          assertThat(runAt(a.port(), token, "auth", "Logout").getBoolean("data.logout")).isTrue();
          // The subscription at the other replica ends without a further message from its client.
          await().atMost(Duration.ofSeconds(10)).until(() -> open.closeCode() != null);
          assertThat(open.closeCode()).isEqualTo((short) 4401);
        }

        JsonPath http =
            given()
                .port(b.port())
                .contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .body(Map.of("query", "{ me { username } }"))
                .post("/graphql")
                .then()
                .statusCode(401)
                .extract()
                .jsonPath();
        assertThat(http.getString("errors[0].extensions.code")).isEqualTo("UNAUTHENTICATED");
        try (GraphQLSocket ws = GraphQLSocket.open(b.port())) {
          ws.init(token);
          await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null);
          assertThat(ws.closeCode()).isEqualTo((short) 4403);
        }
        // A new sign-in at the other replica works.
        assertThat(
                runAt(b.port(), loginAt(b.port(), "alice"), "auth", "Me")
                    .getString("data.me.username"))
            .isEqualTo("alice");
      }
    }
  }
}
