package io.opencdi.gateway.schema;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.SchemaPrinter;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The schema the gateway serves is the contract in graphql-schema; drift fails the build. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SchemaContractTest {

  @Test
  void servedSchemaEqualsTheContract() throws Exception {
    String served =
        given().get("/graphql/schema.graphql").then().statusCode(200).extract().asString();
    String contract;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("schema.graphqls")) {
      contract = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String normalisedServed = normalise(served);
    // Left for a reviewer to diff and, when a change is intended, copy over the contract.
    Files.writeString(Path.of("target", "served-schema.graphqls"), normalisedServed);
    assertThat(normalisedServed)
        .as(
            "served schema (target/served-schema.graphqls) differs from graphql-schema/schema.graphqls")
        .isEqualTo(normalise(contract));
  }

  /** Parses and prints with one printer, so that order and formatting do not matter. */
  private static String normalise(String sdl) {
    TypeDefinitionRegistry types = new SchemaParser().parse(sdl);
    var schema = UnExecutableSchemaGenerator.makeUnExecutableSchema(types);
    return new SchemaPrinter(
            SchemaPrinter.Options.defaultOptions()
                .includeDirectives(false)
                .includeScalarTypes(true)
                .includeSchemaDefinition(false)
                .descriptionsAsHashComments(false))
        .print(schema);
  }
}
