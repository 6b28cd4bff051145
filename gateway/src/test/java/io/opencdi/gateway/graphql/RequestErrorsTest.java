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
    // Twice each: the second time the document may come from the replica's cache of parsed
    // documents, and the limits still hold.
    for (int i = 0; i < 2; i++) {
      assertValidationError(post(token, Map.of("query", tooDeep)), "query deeper than the limit");
    }

    StringBuilder wide = new StringBuilder("{");
    for (int i = 0; i < 501; i++) {
      wide.append(" m").append(i).append(": me { username }");
    }
    String tooWide = wide.append(" }").toString();
    for (int i = 0; i < 2; i++) {
      assertValidationError(post(token, Map.of("query", tooWide)), "query above the complexity");
    }
  }

  @Test
  void aDocumentSentAgainIsReadOnceAndAnInvalidOneIsCheckedEveryTime() {
    String token = login("alice");
    String mark = "u" + java.util.UUID.randomUUID().toString().replace("-", "");
    String valid = "{ me { " + mark + ": username } }";
    long hits = documents.stats().hitCount();

    JsonPath first = post(token, Map.of("query", valid));
    JsonPath again = post(token, Map.of("query", valid));

    assertThat(first.getString("data.me." + mark)).isEqualTo("alice");
    assertThat(again.getString("data.me." + mark)).isEqualTo("alice");
    assertThat(documents.stats().hitCount())
        .as("the second was not parsed again")
        .isEqualTo(hits + 1);

    String invalid = "{ me { " + mark + ": shoeSize } }";
    for (int i = 0; i < 2; i++) {
      assertValidationError(post(token, Map.of("query", invalid)), "unknown field, try " + i);
    }
    assertThat(documents.stats().hitCount())
        .as("an invalid document is never kept")
        .isEqualTo(hits + 1);
  }

  @jakarta.inject.Inject ParsedDocuments documents;
}
