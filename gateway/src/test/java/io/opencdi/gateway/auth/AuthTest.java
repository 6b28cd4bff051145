package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.GraphQLSocket;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AuthTest {
  @TestHTTPResource("/")
  URL base;

  @Test
  void seededUserSignsInAndSeesThemselves() {
    String token = login("alice");
    JsonPath me = run(token, "auth", "Me");
    assertThat(me.getString("data.me.username")).isEqualTo("alice");
    assertThat(me.getString("data.me.role")).isEqualTo("USER");
  }

  @Test
  void wrongPasswordIsRefusedWithoutSayingWhichPartWasWrong() {
    JsonPath bad = run(null, "auth", "Login", "username", "alice", "password", "nope");
    JsonPath unknown = run(null, "auth", "Login", "username", "mallory", "password", "x");
    assertThat(errorCode(bad)).isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(unknown)).isEqualTo("UNAUTHENTICATED");
    assertThat(bad.getString("errors[0].message"))
        .isEqualTo(unknown.getString("errors[0].message"));
  }

  @Test
  void everythingButLoginNeedsAToken() {
    assertThat(errorCode(run(null, "auth", "Me"))).isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(null, "templates", "Templates"))).isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(null, "clusters", "Clusters"))).isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(null, "desktops", "Desktops"))).isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void aWebSocketWithoutATokenIsClosedBeforeAnythingRuns() throws Exception {
    try (GraphQLSocket anonymous = GraphQLSocket.open(base.getPort())) {
      anonymous.init(null);
      await().atMost(Duration.ofSeconds(10)).until(() -> anonymous.closeCode() != null);
      assertThat(anonymous.closeCode()).isEqualTo((short) 4403);
      assertThat(anonymous.ofType("connection_ack")).isEmpty();
    }
    // Subscribing without connection_init first: 4401, as graphql-transport-ws says.
    try (GraphQLSocket eager = GraphQLSocket.open(base.getPort())) {
      eager.subscribe("1", "subscription { desktopEvents { at } }");
      await().atMost(Duration.ofSeconds(10)).until(() -> eager.closeCode() != null);
      assertThat(eager.closeCode()).isEqualTo((short) 4401);
      assertThat(eager.ofType("next")).isEmpty();
    }
  }

  /**
   * A token as an OIDC provider issues it: its subject identifies the user, its name is for
   * display, and it carries no OpenCDI user id.
   */
  private static String providerToken(String username, String... groups) {
    return providerTokenOf("provider-subject-" + username, username, groups);
  }

  private static String providerTokenOf(String subject, String username, String... groups) {
    return io.smallrye.jwt.build.Jwt.issuer("https://opencdi.local/built-in")
        .subject(subject)
        .upn(username)
        .groups(java.util.Set.of(groups))
        .expiresIn(300)
        .sign();
  }

  @Test
  void usersOfAnIdentityProviderAreCreatedOnFirstSignInAndKeepTheirAccount() {
    String carol = providerToken("carol", "user");
    JsonPath first = run(carol, "auth", "Me");
    assertThat(first.getString("data.me.username")).isEqualTo("carol");
    assertThat(first.getString("data.me.role")).isEqualTo("USER");
    assertThat(run(providerToken("carol", "user"), "auth", "Me").getString("data.me.id"))
        .isEqualTo(first.getString("data.me.id"));
    assertThat(errorCode(run(carol, "auth", "Users"))).isEqualTo("FORBIDDEN");
    // A provider user has no password: the built-in login never lets anyone in as them.
    assertThat(errorCode(run(null, "auth", "Login", "username", "carol", "password", "carol")))
        .isEqualTo("UNAUTHENTICATED");

    // The role follows the provider's groups.
    String carolAsAdmin = providerToken("carol", "admin");
    JsonPath users = run(carolAsAdmin, "auth", "Users");
    assertThat(users.getString("data.users.find { it.username == 'carol' }.role"))
        .isEqualTo("ADMIN");
    assertThat(users.getString("data.users.find { it.username == 'carol' }.id"))
        .isEqualTo(first.getString("data.me.id"));

    // The provider's users are its subjects: a new name for the same subject is the same account.
    assertThat(run(providerTokenOf("provider-subject-carol", "caroline"), "auth", "Me"))
        .extracting(r -> r.getString("data.me.id"))
        .isEqualTo(first.getString("data.me.id"));
  }

  @Test
  void aProviderUserNamedLikeABuiltInUserIsSomeoneElse() {
    String aliceId = run(login("alice"), "auth", "Me").getString("data.me.id");
    JsonPath namedAlice = run(providerTokenOf("someone-else", "alice", "user"), "auth", "Me");
    assertThat(namedAlice.getString("data.me.id")).isNotEqualTo(aliceId);
    assertThat(namedAlice.getString("data.me.username")).startsWith("alice#");
    // A provider user called "admin" gets neither the built-in admin's account nor its role.
    String adminId = run(login("admin"), "auth", "Me").getString("data.me.id");
    String fakeAdmin = providerTokenOf("not-the-admin", "admin", "user");
    JsonPath me = run(fakeAdmin, "auth", "Me");
    assertThat(me.getString("data.me.id")).isNotEqualTo(adminId);
    assertThat(me.getString("data.me.role")).isEqualTo("USER");
    assertThat(errorCode(run(fakeAdmin, "auth", "Users"))).isEqualTo("FORBIDDEN");
  }

  @Test
  void forgedTokenIsRefusedAlsoAfterTheGenuineOneWasUsed() {
    String real = login("alice");
    String[] parts = real.split("\\.");
    // Same header and signature, payload claiming another user: the signature no longer matches.
    String payload =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"upn\":\"admin\",\"groups\":[\"admin\"],\"iss\":\"https://opencdi.local/built-in\"}"
                    .getBytes());
    String forged = parts[0] + "." + payload + "." + parts[2];
    // The genuine token's own claims under a signature that is not the issuer's (one character in
    // its middle changed: the last one may only carry padding bits).
    char[] signature = parts[2].toCharArray();
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
    String resigned = parts[0] + "." + parts[1] + "." + new String(signature);
    // The genuine token is used first, so the replica knows its signature checked out: the
    // tampered ones still differ from it byte for byte and are checked in full.
    assertThat(run(real, "auth", "Me").getString("data.me.username")).isEqualTo("alice");
    // A token that fails verification is answered with HTTP 401 (RFC 6750 invalid_token) and a
    // GraphQL body with the documented code; nothing runs.
    for (String token : new String[] {forged, resigned, "not-a-jwt"}) {
      JsonPath r =
          given()
              .contentType(ContentType.JSON)
              .header("Authorization", "Bearer " + token)
              .body(Map.of("query", "{ me { username } }"))
              .post("/graphql")
              .then()
              .statusCode(401)
              .header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
              .extract()
              .jsonPath();
      assertThat(errorCode(r)).isEqualTo("UNAUTHENTICATED");
      assertThat(r.getString("data")).isNull();
    }
  }

  @Test
  void onlyAdminsListUsers() {
    assertThat(errorCode(run(login("alice"), "auth", "Users"))).isEqualTo("FORBIDDEN");
    JsonPath users = run(login("admin"), "auth", "Users");
    assertThat(users.getList("data.users.username")).contains("admin", "alice", "bob");
  }

  @Test
  void onlyAdminsCreateTemplates() {
    Map<String, Object> input =
        Map.of(
            "name",
            "denied-template",
            "image",
            "opencdi/desktop-xfce:0.1",
            "cpuMillis",
            1000,
            "memoryMiB",
            1024);
    JsonPath denied = run(login("alice"), "templates", "CreateTemplate", "input", input);
    assertThat(errorCode(denied)).isEqualTo("FORBIDDEN");
    JsonPath templates = run(login("alice"), "templates", "Templates");
    assertThat(templates.getList("data.templates.name")).doesNotContain("denied-template");
  }
}
