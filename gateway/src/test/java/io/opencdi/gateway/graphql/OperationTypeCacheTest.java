package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionInput;
import graphql.ParseAndValidate;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.parameters.InstrumentationValidationParameters;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.validation.ValidationError;
import io.smallrye.graphql.execution.QueryCache;
import io.smallrye.graphql.execution.context.SmallRyeContext;
import io.smallrye.graphql.execution.context.SmallRyeContextManager;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SmallRye GraphQL's cache, as its operation-type lookup uses it before every execution. */
class OperationTypeCacheTest {
  private final QueryCache cache = new QueryCache();
  private final AtomicInteger parses = new AtomicInteger();
  private final OperationTypeCache instrumentation = new OperationTypeCache(100);

  /** What SmallRye GraphQL does before it hands a request to graphql-java: read the document. */
  private ExecutionInput read(String query) throws Exception {
    ExecutionInput input = ExecutionInput.newExecutionInput(query).build();
    SmallRyeContext context = new SmallRyeContext(getClass().getName());
    context.setQueryCache(cache);
    input.getGraphQLContext().put(SmallRyeContextManager.CONTEXT, context);
    cache
        .getDocumentAsync(
            input,
            i -> {
              parses.incrementAndGet();
              return new PreparsedDocumentEntry(ParseAndValidate.parse(i).getDocument());
            })
        .get();
    return input;
  }

  /** graphql-java validating the request, with {@code errors} found. */
  private void validate(ExecutionInput input, List<ValidationError> errors) {
    InstrumentationContext<List<ValidationError>> context =
        instrumentation.beginValidation(
            new InstrumentationValidationParameters(input, null, null), null);
    context.onCompleted(errors, null);
  }

  @Test
  void aDocumentThatValidatedIsReadOnceAndNotAgainForEveryRequest() throws Exception {
    validate(read("{ me { id } }"), List.of());
    int afterFirst = parses.get();

    read("{ me { id } }");
    read("{ me { id } }");

    assertThat(parses.get()).isEqualTo(afterFirst);
  }

  @Test
  void invalidAndLargeDocumentsAreNotKept() throws Exception {
    String invalid = "{ nope }";
    validate(read(invalid), List.of(ValidationError.newValidationError().description("x").build()));
    String large = "{ me { id " + "username ".repeat(20) + "} }";
    validate(read(large), List.of());
    int before = parses.get();

    read(invalid);
    read(large);

    assertThat(parses.get()).isEqualTo(before + 2);
  }
}
