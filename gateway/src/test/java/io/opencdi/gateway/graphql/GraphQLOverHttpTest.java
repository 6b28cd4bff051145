package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * GraphQL over HTTP: the graphql-http audit suite run against the gateway, and requests that are
 * not GraphQL-over-HTTP requests — a cross-site form post, a mutation sent with GET, a body that is
 * not JSON — refused with 4xx before anything runs.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GraphQLOverHttpTest {
  private static final Path AUDIT = Path.of("..", "web-ui", "e2e", "graphql-http-audit.mjs");
  private static final String RESPONSE_JSON = "application/graphql-response+json";

  @TestHTTPResource("/graphql")
  URL graphql;

  private static RequestSpecification as(String token, String accept) {
    RequestSpecification request = given().header("Accept", accept);
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private static Response post(String token, String accept, String body) {
    return as(token, accept).contentType("application/json").body(body).post("/graphql");
  }

  /** The token still works, so the refused {@code logout} did not run. */
  private static void assertSignedIn(String token) {
    assertThat(run(token, "auth", "Me").getString("data.me.username")).isNotNull();
  }

  @Test
  void auditSuitePassesEveryMustAndShould() throws Exception {
    Path output = Files.createTempFile("graphql-http-audit", ".log");
    Process audit =
        new ProcessBuilder(List.of("node", AUDIT.toString(), graphql.toString(), login("admin")))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean finished = audit.waitFor(2, TimeUnit.MINUTES);
    if (!finished) {
      audit.destroyForcibly();
    }
    String log = Files.readString(output);
    assertThat(finished).as("the audit did not finish:%n%s", log).isTrue();
    assertThat(audit.exitValue()).as("the audit failed:%n%s", log).isZero();
    assertThat(log).as(log).contains("MUST 13/13, SHOULD 23/23");
    // The gateway takes POST only (docs/adr/0032-graphql-over-http.md): the audits of GET are the
    // only ones it does not pass.
    assertThat(log).as(log).contains("not passed: 5A70 6A70 D6D5");
    System.out.println(log);
  }

  @Test
  void graphqlResponseJsonTellsRequestErrorsByTheirStatus() {
    String alice = login("alice");
    Response ran = post(alice, RESPONSE_JSON, "{\"query\":\"{ me { username } }\"}");
    assertThat(ran.statusCode()).isEqualTo(200);
    assertThat(ran.contentType()).startsWith(RESPONSE_JSON);
    assertThat(ran.jsonPath().getString("data.me.username")).isEqualTo("alice");

    // A field error: the operation ran, so 200 with its data entry (null: users is non-null).
    Response forbidden = post(alice, RESPONSE_JSON, "{\"query\":\"{ users { id } }\"}");
    assertThat(forbidden.statusCode()).isEqualTo(200);
    assertThat(forbidden.jsonPath().getString("errors[0].extensions.code")).isEqualTo("FORBIDDEN");
    assertThat(forbidden.jsonPath().getMap("")).containsKey("data");

    for (String body :
        List.of(
            "{\"query\":\"{ me { shoeSize } }\"}",
            "{\"query\":\"{ me { username \"}",
            "{\"query\":\"{ " + "...F ".repeat(150) + "} fragment F on Query { __typename }\"}")) {
      Response refused = post(alice, RESPONSE_JSON, body);
      assertThat(refused.statusCode()).as(body + " -> " + refused.asString()).isEqualTo(400);
      assertThat(refused.contentType()).startsWith(RESPONSE_JSON);
      assertThat(refused.jsonPath().getString("errors[0].extensions.code"))
          .as(body)
          .isEqualTo("VALIDATION");
      assertThat(refused.jsonPath().getMap("")).as(body).doesNotContainKey("data");
    }

    Response anonymous = post(null, RESPONSE_JSON, "{\"query\":\"{ me { username } }\"}");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(anonymous.jsonPath().getString("errors[0].extensions.code"))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(anonymous.jsonPath().getMap("")).doesNotContainKey("data");

    // application/json (and */*) keep answering a well-formed request with 200.
    Response json = post(alice, "application/json", "{\"query\":\"{ me { shoeSize } }\"}");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.contentType()).startsWith("application/json");
    assertThat(json.jsonPath().getString("errors[0].extensions.code")).isEqualTo("VALIDATION");
  }

  @Test
  void crossSiteFormPostsAreRefusedUnread() throws Exception {
    String alice = login("alice");
    String logout = "{\"query\":\"mutation { logout }\"}";
    HttpClient client = HttpClient.newHttpClient();
    for (String type :
        Arrays.asList(
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", null)) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(graphql.toURI())
              .header("Authorization", "Bearer " + alice)
              .POST(HttpRequest.BodyPublishers.ofString(logout));
      if (type != null) {
        request.header("Content-Type", type);
      }
      HttpResponse<String> refused =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).as(type).isEqualTo(415);
      JsonObject error = new JsonObject(refused.body()).getJsonArray("errors").getJsonObject(0);
      assertThat(error.getJsonObject("extensions").getString("code"))
          .as(type)
          .isEqualTo("VALIDATION");
    }
    assertSignedIn(alice);
  }

  @Test
  void mutationsSentWithGetAreRefused() {
    String alice = login("alice");
    for (String accept : List.of(RESPONSE_JSON, "application/json")) {
      Response refused =
          as(alice, accept).queryParam("query", "mutation { logout }").get("/graphql");
      assertThat(refused.statusCode()).as(accept).isEqualTo(405);
      assertThat(refused.header("Allow")).isEqualTo("POST");
    }
    assertSignedIn(alice);
  }

  @Test
  void bodiesThatAreNotGraphQLRequestsAreRefusedWith400() {
    String alice = login("alice");
    for (String body :
        List.of(
            "",
            "{ \"not a JSON",
            "[]",
            "\"mutation { logout }\"",
            "{\"qeury\":\"mutation { logout }\"}",
            "{\"query\":{\"text\":\"mutation { logout }\"}}",
            "{\"query\":\"mutation { logout }\",\"operationName\":0}",
            "{\"query\":\"mutation { logout }\",\"variables\":\"{}\"}",
            "{\"query\":\"mutation { logout }\",\"extensions\":[]}",
            "[{\"query\":\"mutation { logout }\"}, 1]")) {
      for (String accept : List.of(RESPONSE_JSON, "application/json")) {
        Response refused = post(alice, accept, body);
        assertThat(refused.statusCode()).as(body).isEqualTo(400);
        assertThat(refused.jsonPath().getString("errors[0].extensions.code"))
            .as(body)
            .isEqualTo("VALIDATION");
      }
    }
    assertSignedIn(alice);
    assertThat(
            post(
                    alice,
                    "application/json",
                    "{\"query\":\"{ me { username } }\",\"variables\":null}")
                .jsonPath()
                .getMap("data.me"))
        .isEqualTo(Map.of("username", "alice"));
  }
}
