package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** With an audience configured, a provider's token meant for another application is refused. */
@QuarkusTest
@TestProfile(AudienceTest.WithAudience.class)
@QuarkusTestResource(PostgresResource.class)
class AudienceTest {
  public static class WithAudience implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("mp.jwt.verify.audiences", "opencdi");
    }
  }

  private static String providerToken(String audience) {
    JwtClaimsBuilder claims =
        Jwt.issuer("https://opencdi.local/built-in")
            .subject("audience-test-user")
            .upn("dave")
            .groups(Set.of("user"))
            .expiresIn(300);
    if (audience != null) {
      claims.audience(audience);
    }
    return claims.sign();
  }

  private static JsonPath me(String token, int status) {
    return given()
        .contentType(ContentType.JSON)
        .header("Authorization", "Bearer " + token)
        .body(Map.of("query", "{ me { username } }"))
        .post("/graphql")
        .then()
        .statusCode(status)
        .extract()
        .jsonPath();
  }

  @Test
  void tokensForAnotherAudienceOrNoneAreRefused() {
    assertThat(errorCode(me(providerToken("another-app"), 401))).isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(me(providerToken(null), 401))).isEqualTo("UNAUTHENTICATED");
    assertThat(me(providerToken("opencdi"), 200).getString("data.me.username")).isEqualTo("dave");
    // The built-in store's own tokens carry the audience.
    assertThat(run(login("alice"), "auth", "Me").getString("data.me.username")).isEqualTo("alice");
  }
}
