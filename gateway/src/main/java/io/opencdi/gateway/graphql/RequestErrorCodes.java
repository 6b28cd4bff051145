package io.opencdi.gateway.graphql;

import graphql.ErrorClassification;
import graphql.ErrorType;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecutionParameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Gives every error that graphql-java raises before any resolver runs — a syntax error, an unknown
 * field, a variable of the wrong type, a query too deep or too complex — the documented {@code
 * extensions.code} {@code VALIDATION}, like the errors our own resolvers raise. SmallRye GraphQL
 * only puts codes on exceptions thrown by resolvers.
 *
 * <p>SmallRye GraphQL sets its depth and complexity limits as the builder's instrumentation before
 * it lets us observe the builder, and {@link GraphQL.Builder#instrumentation} replaces rather than
 * adds, so the same limits are chained here again, read from the same configuration keys.
 */
@ApplicationScoped
public class RequestErrorCodes {
  static final String VALIDATION = "VALIDATION";

  private static final Set<ErrorClassification> REQUEST_ERRORS =
      Set.of(ErrorType.InvalidSyntax, ErrorType.ValidationError, ErrorType.ExecutionAborted);

  private final int maxDepth;
  private final int maxComplexity;

  public RequestErrorCodes(
      @ConfigProperty(name = "quarkus.smallrye-graphql.instrumentation-query-depth") int maxDepth,
      @ConfigProperty(name = "quarkus.smallrye-graphql.instrumentation-query-complexity")
          int maxComplexity) {
    this.maxDepth = maxDepth;
    this.maxComplexity = maxComplexity;
  }

  void onBuild(@Observes GraphQL.Builder builder) {
    builder.instrumentation(
        new ChainedInstrumentation(
            List.of(
                new MaxQueryComplexityInstrumentation(maxComplexity),
                new MaxQueryDepthInstrumentation(maxDepth),
                new CodeRequestErrors())));
  }

  /**
   * Adds {@code code: VALIDATION} to request errors that carry no code yet. When there is such an
   * error, the "non-null field was null" errors that follow from it are dropped: they describe the
   * consequence (the field could not run), not the cause.
   */
  static List<GraphQLError> withCodes(List<GraphQLError> errors) {
    List<GraphQLError> coded = errors.stream().map(RequestErrorCodes::withCode).toList();
    boolean requestError =
        coded.stream()
            .anyMatch(
                e -> e.getExtensions() != null && VALIDATION.equals(e.getExtensions().get("code")));
    if (!requestError) {
      return coded;
    }
    return coded.stream()
        .filter(e -> e.getErrorType() != ErrorType.NullValueInNonNullableField)
        .toList();
  }

  private static GraphQLError withCode(GraphQLError error) {
    Map<String, Object> extensions =
        error.getExtensions() == null ? new HashMap<>() : new HashMap<>(error.getExtensions());
    if (!REQUEST_ERRORS.contains(error.getErrorType()) || extensions.containsKey("code")) {
      return error;
    }
    extensions.put("code", VALIDATION);
    extensions.putIfAbsent("classification", String.valueOf(error.getErrorType()));
    return GraphqlErrorBuilder.newError()
        .message(error.getMessage())
        .locations(error.getLocations())
        .path(error.getPath())
        .errorType(error.getErrorType())
        .extensions(extensions)
        .build();
  }

  private static final class CodeRequestErrors extends SimplePerformantInstrumentation {
    @Override
    public CompletableFuture<ExecutionResult> instrumentExecutionResult(
        ExecutionResult result,
        InstrumentationExecutionParameters parameters,
        InstrumentationState state) {
      if (result.getErrors().isEmpty()) {
        return CompletableFuture.completedFuture(result);
      }
      return CompletableFuture.completedFuture(
          result.transform(b -> b.errors(withCodes(result.getErrors()))));
    }
  }
}
