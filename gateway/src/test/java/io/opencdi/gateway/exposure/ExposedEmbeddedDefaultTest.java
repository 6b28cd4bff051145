package io.opencdi.gateway.exposure;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URL;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The embedded default's own settings, exposed beyond loopback with its seeded users' passwords
 * set: another host reads {@code /q/metrics} only with an administrator's token, and the seeded
 * users' default passwords are gone. Requests come from a non-loopback address of this machine.
 */
@QuarkusTest
@TestProfile(ExposedEmbeddedDefaultTest.Exposed.class)
@QuarkusTestResource(PostgresResource.class)
class ExposedEmbeddedDefaultTest {
  static final String ADMIN_PASSWORD = "admin-" + PostgresResource.AGENT_TOKEN;
  static final String ALICE_PASSWORD = "alice-" + PostgresResource.AGENT_TOKEN;

  /** The embedded profile, listening on every interface, its seeded users' passwords set. */
  public static class Exposed implements QuarkusTestProfile {
    @Override
    public String getConfigProfile() {
      return "embedded";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.http.host",
          "0.0.0.0",
          "opencdi.auth.seed.passwords.admin",
          ADMIN_PASSWORD,
          "opencdi.auth.seed.passwords.alice",
          ALICE_PASSWORD,
          "opencdi.auth.seed.passwords.bob",
          "bob-" + PostgresResource.AGENT_TOKEN);
    }
  }

  @TestHTTPResource("/")
  URL base;

  private static Optional<String> otherAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(
            i -> {
              try {
                return i.isUp() && !i.isLoopback();
              } catch (SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .map(InetAddress::getHostAddress)
        .findFirst();
  }

  private String from(String address) {
    return "http://" + address + ":" + base.getPort();
  }

  private static String token(String user, String password) {
    String token =
        run(null, "auth", "Login", "username", user, "password", password)
            .getString("data.login.token");
    assertThat(token).as(user + " signs in").isNotNull();
    return token;
  }

  @Test
  void anotherHostReadsMetricsOnlyWithAnAdministratorsToken() throws SocketException {
    Optional<String> other = otherAddress();
    assumeTrue(other.isPresent(), "this machine has no non-loopback address");
    String url = from(other.get()) + "/q/metrics";

    given().get(url).then().statusCode(401);
    // Forwarding headers are anyone's to write: they do not make a request local.
    given()
        .header("X-Forwarded-For", "127.0.0.1")
        .header("Forwarded", "for=127.0.0.1")
        .get(url)
        .then()
        .statusCode(401);
    given().auth().oauth2("not-a-token").get(url).then().statusCode(401);
    given().auth().oauth2(token("alice", ALICE_PASSWORD)).get(url).then().statusCode(403);
    String metrics =
        given()
            .auth()
            .oauth2(token("admin", ADMIN_PASSWORD))
            .get(url)
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(metrics).contains("http_server_requests");
  }

  @Test
  void thisHostReadsMetricsWithoutAToken() {
    assertThat(
            given()
                .get(from("127.0.0.1") + "/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString())
        .contains("jvm_");
  }

  @Test
  void theSeededDefaultPasswordsNoLongerSignIn() {
    for (String user : new String[] {"admin", "alice", "bob"}) {
      assertThat(errorCode(run(null, "auth", "Login", "username", user, "password", user)))
          .as(user + "/" + user)
          .isEqualTo("UNAUTHENTICATED");
    }
  }
}
