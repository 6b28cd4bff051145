package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Password guessing at {@code login}: after a few failures the user name (and, after more, the
 * address) must wait, the wait is answered at once with RATE_LIMITED even for the right password,
 * and a success clears the user name's failures. Every request here comes from 127.0.0.1: the tests
 * stay below the address's limit in any order, and the address's own wait is {@link
 * LoginAddressBackoffTest}'s, on a gateway of its own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(LoginBackoffTest.Backoff.class)
class LoginBackoffTest {
  static final int USER_FREE = 3;
  static final int ADDRESS_FREE = 12;

  /** Waits long enough that no test outlives one by accident. */
  public static class Backoff implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "opencdi.login-backoff.user-free-failures",
          String.valueOf(USER_FREE),
          "opencdi.login-backoff.address-free-failures",
          String.valueOf(ADDRESS_FREE),
          "opencdi.login-backoff.first-wait",
          "PT5M",
          "opencdi.login-backoff.max-wait",
          "PT1H");
    }
  }

  static JsonPath login(String username, String password) {
    return run(null, "auth", "Login", "username", username, "password", password);
  }

  @Test
  void guessingAlicesPasswordMakesHerNameWaitEvenForTheRightPasswordWhileBobSignsIn() {
    for (int i = 0; i < USER_FREE; i++) {
      JsonPath wrong = login("alice", "guess-" + i);
      assertThat(errorCode(wrong)).as(wrong.prettify()).isEqualTo("UNAUTHENTICATED");
    }
    JsonPath guess = login("alice", "guess-again");
    assertThat(errorCode(guess)).as(guess.prettify()).isEqualTo("RATE_LIMITED");
    assertThat(guess.getLong("errors[0].extensions.retryAfterSeconds"))
        .as("a retry hint of about the first wait")
        .isBetween(60L, 300L);
    assertThat(guess.getString("data")).isNull();

    JsonPath right = login("alice", "alice");
    assertThat(errorCode(right))
        .as("the right password is refused while backing off")
        .isEqualTo("RATE_LIMITED");
    assertThat(right.getString("data.login")).isNull();
    // The user name is matched whatever its case.
    assertThat(errorCode(login("ALICE", "alice"))).isEqualTo("RATE_LIMITED");

    JsonPath bob = login("bob", "bob");
    assertThat(bob.getString("data.login.token")).as(bob.prettify()).isNotNull();
  }

  @Test
  void aSuccessfulSignInClearsTheUserNamesFailures() {
    for (int i = 0; i < USER_FREE - 1; i++) {
      assertThat(errorCode(login("admin", "guess-" + i))).isEqualTo("UNAUTHENTICATED");
    }
    assertThat(login("admin", "admin").getString("data.login.token")).isNotNull();
    // Without the success these would reach the limit; after it they start from nothing.
    for (int i = 0; i < USER_FREE - 1; i++) {
      assertThat(errorCode(login("admin", "guess-again-" + i))).isEqualTo("UNAUTHENTICATED");
    }
    assertThat(login("admin", "admin").getString("data.login.token")).isNotNull();
  }
}
