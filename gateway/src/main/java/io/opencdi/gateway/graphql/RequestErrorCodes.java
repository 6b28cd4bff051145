package io.opencdi.gateway.graphql;

import graphql.ErrorClassification;
import graphql.ErrorType;
import graphql.ExceptionWhileDataFetching;
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
import io.opencdi.gateway.common.ApiException;
import io.smallrye.mutiny.CompositeException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.graphql.GraphQLException;

/**
 * Gives every error that graphql-java raises before any resolver runs — an unknown field, a
 * variable of the wrong type, a query too deep or too complex — the documented {@code
 * extensions.code} {@code VALIDATION}, like the errors our own resolvers raise, and every
 * undocumented failure of a resolver the code {@code INTERNAL} with a hidden message.
 *
 * <p>SmallRye GraphQL sets its depth and complexity limits as the builder's instrumentation before
 * it lets us observe the builder, and {@link GraphQL.Builder#instrumentation} replaces rather than
 * adds, so the same limits are chained here again, read from the same configuration keys.
 */
@ApplicationScoped
public class RequestErrorCodes {
  static final String VALIDATION = "VALIDATION";
  static final String INTERNAL = "INTERNAL";
  static final String HIDDEN_MESSAGE = "System error";
  // Documents up to this size fill SmallRye GraphQL's own cache (OperationTypeCache): every
  // document the portal, the console and the load tests send is far smaller.
  static final int OPERATION_TYPE_CACHE_CHARACTERS = 8192;

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
                new OperationTypeCache(OPERATION_TYPE_CACHE_CHARACTERS),
                new SelectionHidden(),
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
    if (error instanceof ExceptionWhileDataFetching fetching
        && !documented(fetching.getException())) {
      // A failure of the gateway itself (a database error, a bug): SmallRye GraphQL would name the
      // exception's class as the code ("s-q-l-grammar"); clients get one documented code instead
      // and, as before, no message that could leak internals.
      return GraphqlErrorBuilder.newError()
          .message(HIDDEN_MESSAGE)
          .locations(error.getLocations())
          .path(error.getPath())
          .errorType(ErrorType.DataFetchingException)
          .extensions(
              Map.of("code", INTERNAL, "classification", ErrorType.DataFetchingException.name()))
          .build();
    }
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

  /** Whether the failure, or one it wraps, is one of the API's documented errors. */
  private static boolean documented(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApiException || t instanceof GraphQLException) {
        return true;
      }
      if (t instanceof CompositeException composite
          && composite.getCauses().stream().anyMatch(RequestErrorCodes::documented)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
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
      if (!result.isDataPresent()) {
        // Nothing ran: the document did not parse or validate, or a variable did not coerce.
        ResponseMedia.markRequestError();
      }
      return CompletableFuture.completedFuture(
          result.transform(b -> b.errors(withCodes(result.getErrors()))));
    }
  }
}
