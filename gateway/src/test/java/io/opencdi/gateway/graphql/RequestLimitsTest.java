package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Documents built to cost the gateway a lot — fragment bombs, huge or deep documents, many aliased
 * mutations — and requests without a token are refused before anything runs.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RequestLimitsTest {

  private static JsonPath post(String token, String query) {
    var request = given().contentType(ContentType.JSON).body(Map.of("query", query));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request.post("/graphql").then().statusCode(200).extract().jsonPath();
  }

  /** {@code { ...F<n> }} where each fragment spreads the one before it twice: 2^n fields. */
  static String fragmentBomb(int n) {
    StringBuilder doc = new StringBuilder("{ ...F" + n + " }\n");
    doc.append("fragment F0 on Query { me { id } }\n");
    for (int i = 1; i <= n; i++) {
      doc.append("fragment F")
          .append(i)
          .append(" on Query { ...F")
          .append(i - 1)
          .append(" ...F")
          .append(i - 1)
          .append(" }\n");
    }
    return doc.toString();
  }

  private static String code(JsonPath r) {
    return r.getString("errors[0].extensions.code");
  }

  @Test
  void fragmentBombsWithoutATokenAreRefusedWhileAnotherUserIsAnswered() throws Exception {
    String alice = login("alice");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<CompletableFuture<JsonPath>> bombs = new ArrayList<>();
      for (int n : new int[] {20, 20, 30, 49}) {
        bombs.add(CompletableFuture.supplyAsync(() -> post(null, fragmentBomb(n)), pool));
      }
      CompletableFuture<JsonPath> meanwhile =
          CompletableFuture.supplyAsync(() -> run(alice, "auth", "Me"), pool);
      for (CompletableFuture<JsonPath> bomb : bombs) {
        JsonPath r = bomb.get(60, TimeUnit.SECONDS);
        assertThat(code(r)).as(r.prettify()).isIn("VALIDATION", "UNAUTHENTICATED");
        assertThat(r.getString("data")).isNull();
      }
      assertThat(meanwhile.get(60, TimeUnit.SECONDS).getString("data.me.username"))
          .isEqualTo("alice");
      // And the gateway keeps answering afterwards.
      assertThat(run(alice, "auth", "Me").getString("data.me.username")).isEqualTo("alice");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFragmentBombWithAValidTokenIsAValidationError() {
    JsonPath r = post(login("alice"), fragmentBomb(20));
    assertThat(code(r)).as(r.prettify()).isEqualTo("VALIDATION");
    assertThat(r.getString("errors[0].message")).contains("fragments are expanded");
    assertThat(r.getString("data")).isNull();
  }

  @Test
  void aFragmentThatSpreadsItselfIsAValidationError() {
    JsonPath r =
        post(
            login("alice"),
            "{ ...A } fragment A on Query { ...B } fragment B on Query { me { id } ...A }");
    assertThat(code(r)).as(r.prettify()).isEqualTo("VALIDATION");
  }

  @Test
  void documentsBeyondTheParserLimitsAreValidationErrors() {
    String alice = login("alice");
    // More tokens than allowed, well under the character limit.
    JsonPath manyTokens = post(alice, "{ me { " + "id ".repeat(5_000) + "} }");
    assertThat(code(manyTokens)).as(manyTokens.prettify()).isEqualTo("VALIDATION");
    // Nested deeper than the parser's rule depth.
    JsonPath deep = post(alice, "{ me " + "{ id ".repeat(300) + "}".repeat(301));
    assertThat(code(deep)).as(deep.prettify()).isEqualTo("VALIDATION");
    // Longer than the character limit.
    JsonPath longDoc = post(alice, "{ me { id } }" + " ".repeat(40_000));
    assertThat(code(longDoc)).as(longDoc.prettify()).isEqualTo("VALIDATION");
    // More fragment spreads than allowed, each cheap.
    JsonPath spreads =
        post(alice, "{ " + "...M ".repeat(150) + "} fragment M on Query { __typename }");
    assertThat(code(spreads)).as(spreads.prettify()).isEqualTo("VALIDATION");
  }

  @Test
  void withoutATokenOnlyLoginAndIntrospectionRun() {
    JsonPath templates = post(null, "{ templates { id } }");
    assertThat(code(templates)).isEqualTo("UNAUTHENTICATED");
    assertThat(templates.getString("data")).isNull();
    // A mutation that would change something, hidden behind a fragment and an alias.
    JsonPath create =
        post(
            null,
            "mutation { ...T } fragment T on Mutation { t: createTemplate(input: {name:"
                + " \"anonymous-template\", image: \"x\", cpuMillis: 1000, memoryMiB: 1024}) { id }"
                + " }");
    assertThat(code(create)).isEqualTo("UNAUTHENTICATED");
    assertThat(run(login("alice"), "templates", "Templates").getList("data.templates.name"))
        .doesNotContain("anonymous-template");
    JsonPath login =
        post(null, "mutation { login(username: \"alice\", password: \"alice\") { token } }");
    assertThat(login.getString("data.login.token")).isNotBlank();
    JsonPath introspection = post(null, "{ __schema { queryType { name } } }");
    assertThat(introspection.getString("data.__schema.queryType.name")).isEqualTo("Query");
  }

  @Test
  void eightyAliasedCreateDesktopsAreRefusedBeforeAnyRuns() {
    String alice = login("alice");
    String templateId = run(alice, "templates", "Templates").getString("data.templates[0].id");
    StringBuilder doc = new StringBuilder("mutation {");
    for (int i = 0; i < 80; i++) {
      doc.append(" d")
          .append(i)
          .append(": createDesktop(input: {templateId: \"")
          .append(templateId)
          .append("\", name: \"alias-flood-")
          .append(i)
          .append("\"}) { id }");
    }
    doc.append(" }");
    JsonPath r = post(alice, doc.toString());
    assertThat(code(r)).as(r.prettify()).isEqualTo("VALIDATION");
    assertThat(r.getString("errors[0].message")).contains("80 root fields");
    JsonPath desktops = run(alice, "desktops", "Desktops", "first", 100);
    assertThat(desktops.getList("data.desktops.edges.node.name", String.class))
        .noneMatch(name -> name.startsWith("alias-flood-"));
  }
}
