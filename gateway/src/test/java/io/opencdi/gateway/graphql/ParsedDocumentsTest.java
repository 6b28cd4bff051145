package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionInput;
import graphql.GraphQLError;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.language.Document;
import graphql.parser.Parser;
import graphql.validation.ValidationError;
import graphql.validation.ValidationErrorType;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The parsed-document cache under a client that sends a new document with every request, as one
 * that wants to fill the gateway's memory would: what is kept stays within its bound.
 */
class ParsedDocumentsTest {
  private final AtomicInteger parsed = new AtomicInteger();

  @Test
  void aFloodOfDistinctDocumentsKeepsNoMoreThanTheBound() throws Exception {
    ParsedDocuments documents = new ParsedDocuments(20_000);
    String padding = "x".repeat(900);
    for (int i = 0; i < 500; i++) {
      ask(documents, "{ me { a" + i + padding + ": username } }");
    }
    assertThat(parsed).hasValue(500);
    assertThat(documents.charactersKept()).isBetween(1L, 20_000L);
  }

  @Test
  void aDocumentIsParsedOnceWhileKeptAndAnInvalidOneEveryTime() throws Exception {
    ParsedDocuments documents = new ParsedDocuments(20_000);
    for (int i = 0; i < 3; i++) {
      ask(documents, "{ me { username } }");
    }
    assertThat(parsed).hasValue(1);
    for (int i = 0; i < 3; i++) {
      ask(documents, "{ me { shoeSize } }");
    }
    assertThat(parsed).hasValue(4);
    assertThat(documents.stats().hitCount()).isEqualTo(2);
  }

  private void ask(ParsedDocuments documents, String query) throws Exception {
    documents
        .getDocumentAsync(
            ExecutionInput.newExecutionInput(query).build(),
            input -> {
              parsed.incrementAndGet();
              Document document = Parser.parse(input.getQuery());
              if (input.getQuery().contains("shoeSize")) {
                List<GraphQLError> errors =
                    List.of(
                        ValidationError.newValidationError()
                            .validationErrorType(ValidationErrorType.FieldUndefined)
                            .description("no shoeSize")
                            .build());
                return new PreparsedDocumentEntry(document, errors);
              }
              return new PreparsedDocumentEntry(document);
            })
        .get();
  }
}
