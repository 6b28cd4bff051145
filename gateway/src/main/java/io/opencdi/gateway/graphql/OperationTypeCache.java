package io.opencdi.gateway.graphql;

import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimpleInstrumentationContext;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationValidationParameters;
import graphql.validation.ValidationError;
import io.smallrye.graphql.execution.QueryCache;
import io.smallrye.graphql.execution.context.SmallRyeContext;
import io.smallrye.graphql.execution.context.SmallRyeContextManager;
import java.util.List;

/**
 * Lets SmallRye GraphQL's own document cache fill again. Before graphql-java runs, SmallRye GraphQL
 * parses every request once more to learn its operation types, through a cache it fills only from
 * an instrumentation of its own, which {@link RequestErrorCodes} replaces; so every request was
 * parsed twice (about a tenth of the gateway's CPU per {@code createDesktop}). This hands the
 * validation back to that cache, which keeps a document once it validated.
 *
 * <p>That cache is bounded by count, not size (the system property {@code
 * io.smallrye.graphql.execution.queryCacheMaxSize}, which {@code GatewayMain} sets to 256), so only
 * documents of at most {@code maxCharacters} are let in: a client sending many large, distinct
 * documents costs it at most count × that size. Larger ones are parsed twice, as before.
 */
final class OperationTypeCache extends SimplePerformantInstrumentation {
  private final int maxCharacters;

  OperationTypeCache(int maxCharacters) {
    this.maxCharacters = maxCharacters;
  }

  @Override
  public InstrumentationContext<List<ValidationError>> beginValidation(
      InstrumentationValidationParameters parameters, InstrumentationState state) {
    SmallRyeContext context =
        parameters.getExecutionInput().getGraphQLContext().get(SmallRyeContextManager.CONTEXT);
    QueryCache cache = context == null ? null : context.getQueryCache();
    if (cache == null) {
      return SimpleInstrumentationContext.noOp();
    }
    // Always asked, so that it lets go of what it noted for this request on this thread.
    InstrumentationContext<List<ValidationError>> keep = cache.beginValidation(parameters, state);
    return parameters.getQuery().length() <= maxCharacters
        ? keep
        : SimpleInstrumentationContext.noOp();
  }
}
