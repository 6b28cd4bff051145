package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.graphql.api.Context;
import io.smallrye.graphql.cdi.event.AfterDataFetch;
import io.smallrye.graphql.cdi.event.BeforeDataFetch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fields run without a CDI event around each of them, and request errors still get their codes (the
 * error-code instrumentation reaches the GraphQL builder without per-field eventing).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FieldEventsTest {
  /** Counts the per-field events SmallRye GraphQL's CDI eventing would fire. */
  @ApplicationScoped
  static class FieldEventCounter {
    final AtomicInteger events = new AtomicInteger();

    void before(@Observes @BeforeDataFetch Context context) {
      events.incrementAndGet();
    }

    void after(@Observes @AfterDataFetch Context context) {
      events.incrementAndGet();
    }
  }

  @Inject FieldEventCounter counter;

  @Test
  void fieldsRunWithoutEventsAndRequestErrorsKeepTheirCodes() {
    String token = login("alice");
    int before = counter.events.get();
    assertThat(run(token, "desktops", "Desktops", "first", 10).getList("data.desktops.edges"))
        .isNotNull();
    assertThat(counter.events.get()).isEqualTo(before);

    String unknownField =
        given()
            .contentType(ContentType.JSON)
            .header("Authorization", "Bearer " + token)
            .body(Map.of("query", "{ me { noSuchField } }"))
            .post("/graphql")
            .then()
            .extract()
            .jsonPath()
            .getString("errors[0].extensions.code");
    assertThat(unknownField).isEqualTo("VALIDATION");
    // A documented error of a resolver keeps its own code.
    assertThat(
            errorCode(
                run(token, "desktops", "Desktop", "id", java.util.UUID.randomUUID().toString())))
        .isEqualTo("NOT_FOUND");
  }
}
