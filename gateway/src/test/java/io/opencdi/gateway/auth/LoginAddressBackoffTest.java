package io.opencdi.gateway.auth;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

/**
 * Guessing many user names from one address: after {@link LoginBackoffTest#ADDRESS_FREE} failures
 * the address must wait, for every name and even the right password. A profile of its own gives it
 * a gateway of its own, so the wait it leaves on 127.0.0.1 touches no other test.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(LoginAddressBackoffTest.AddressBackoff.class)
class LoginAddressBackoffTest {
  static final int ADDRESS_FREE = LoginBackoffTest.ADDRESS_FREE;

  /** The same waits as {@link LoginBackoffTest}'s, on a gateway started for this class. */
  public static class AddressBackoff extends LoginBackoffTest.Backoff {}

  private static JsonPath login(String username, String password) {
    return LoginBackoffTest.login(username, password);
  }

  @Test
  void guessingManyNamesFromOneAddressMakesTheAddressWait() {
    JsonPath refused = null;
    for (int i = 0; i < ADDRESS_FREE + 1 && refused == null; i++) {
      JsonPath r = login("nobody-" + i, "guess");
      if ("RATE_LIMITED".equals(errorCode(r))) {
        refused = r;
      } else {
        assertThat(errorCode(r)).as(r.prettify()).isEqualTo("UNAUTHENTICATED");
      }
    }
    assertThat(refused).as("the address was made to wait").isNotNull();
    assertThat(refused.getLong("errors[0].extensions.retryAfterSeconds")).isPositive();
    // From that address, even bob with his right password and a name never guessed must wait.
    assertThat(errorCode(login("bob", "bob"))).isEqualTo("RATE_LIMITED");
    assertThat(errorCode(login("someone-else", "x"))).isEqualTo("RATE_LIMITED");
  }
}
