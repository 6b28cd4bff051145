package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Requests that are wrong before anything runs get the documented code and change nothing. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RequestErrorsTest {

  private static JsonPath post(String token, Map<String, Object> body) {
    var request = given().contentType(ContentType.JSON).body(body);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request.post("/graphql").then().extract().jsonPath();
  }

  private static void assertValidationError(JsonPath r, String what) {
    assertThat(r.getList("errors")).as(what + ": " + r.prettify()).isNotEmpty();
    assertThat(r.getList("errors.extensions.code", String.class))
        .as(what + ": " + r.prettify())
        .containsOnly("VALIDATION");
  }

  @Test
  void malformedQueriesAndVariablesAreValidationErrors() {
    String token = login("alice");
    // A document that does not parse is refused by SmallRye GraphQL before graphql-java sees it;
    // it carries no code of ours, only the message (see docs/api.md).
    JsonPath unparseable = post(token, Map.of("query", "{ me { username "));
    assertThat(unparseable.getString("errors[0].message")).isEqualTo("Unparseable input document");
    assertThat(unparseable.getString("data")).isNull();
    assertValidationError(post(token, Map.of("query", "{ me { shoeSize } }")), "unknown field");
    assertValidationError(
        post(
            token,
            Map.of(
                "query",
                "query($n: Int) { desktops(first: $n) { edges { node { id } } } }",
                "variables",
                Map.of("n", "many"))),
        "variable of the wrong type");
    assertValidationError(
        post(
            token,
            Map.of(
                "query",
                "mutation { createDesktop(input: {templateId: 1, cpuMillis: \"x\"}) { id } }")),
        "literal of the wrong type");
  }

  @Test
  void tooDeepOrTooLargeAQueryIsRefusedBeforeItRuns() {
    String token = login("admin");
    JsonPath ordinary =
        post(
            token,
            Map.of(
                "query",
                "{ desktops { edges { node { template { id } cluster { nodeGroups { name } } owner"
                    + " { username } } } } }"));
    assertThat(ordinary.getList("errors")).as(ordinary.prettify()).isNull();

    String tooDeep =
        "{ __schema { types { fields { type "
            + "{ ofType ".repeat(8)
            + "{ name }"
            + " }".repeat(8)
            + " } } } }";
    assertValidationError(post(token, Map.of("query", tooDeep)), "query deeper than the limit");

    StringBuilder wide = new StringBuilder("{");
    for (int i = 0; i < 501; i++) {
      wide.append(" m").append(i).append(": me { username }");
    }
    assertValidationError(
        post(token, Map.of("query", wide.append(" }").toString())), "query above the complexity");
  }
}
