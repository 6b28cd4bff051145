package io.opencdi.gateway.graphql;

import graphql.ExecutionResult;
import io.opencdi.gateway.auth.Session;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableContext;
import io.quarkus.arc.ManagedContext;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.graphql.execution.ExecutionResponse;
import io.smallrye.graphql.execution.ExecutionResponseWriter;
import io.smallrye.graphql.execution.ExecutionService;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.json.Json;
import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.reactivestreams.Publisher;

/**
 * Runs one operation of the {@code /graphql} WebSocket through SmallRye GraphQL's {@code
 * ExecutionService}, in a request context and Vert.x context of its own that outlive the call (a
 * subscription's events run in them), with the session in {@code RequestSession}.
 */
final class GraphQLExecution {
  private static final Logger LOG = Logger.getLogger(GraphQLExecution.class);

  /** Where an operation's outcome goes: one connection's operation, or a subscription group. */
  interface Target {
    /** The operation's request context, to destroy when it ends. */
    void requestContext(InjectableContext.ContextState state);

    /** Refused before it ran (validation): the errors of graphql-transport-ws's error message. */
    void refused(JsonArray errors);

    /** A subscription's events. */
    void stream(Publisher<ExecutionResult> events);

    /** A query's or mutation's one answer. */
    void single(ExecutionResponse response);

    void failed(Throwable t);
  }

  private GraphQLExecution() {}

  static void execute(
      Vertx vertx, GraphQLWebSocket endpoint, Session s, JsonObject payload, Target target) {
    Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
    context.runOnContext(
        v -> {
          ManagedContext requests = Arc.container().requestContext();
          requests.activate();
          InjectableContext.ContextState state = requests.getState();
          target.requestContext(state);
          try {
            endpoint.requestSession().set(s);
            ExecutionService execution = Arc.container().instance(ExecutionService.class).get();
            // What Quarkus's own handlers hand SmallRye GraphQL: its data fetchers read these.
            Map<String, Object> metadata = new HashMap<>();
            metadata.put("runBlocking", false);
            metadata.put("httpHeaders", Map.of());
            metadata.put("state", state);
            execution.executeAsync(
                Json.createReader(new StringReader(payload.encode())).readObject(),
                metadata,
                new Writer(target));
          } catch (RuntimeException e) {
            target.failed(e);
          } finally {
            requests.deactivate();
          }
        });
  }

  static void destroy(InjectableContext.ContextState state) {
    if (state != null) {
      Arc.container().requestContext().destroy(state);
    }
  }

  static JsonArray error(String code, String message) {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("message", message)
                .put("extensions", new JsonObject().put("code", code)));
  }

  static JsonArray internalError() {
    return error(RequestErrorCodes.INTERNAL, RequestErrorCodes.HIDDEN_MESSAGE);
  }

  private record Writer(Target target) implements ExecutionResponseWriter {
    @Override
    public void write(ExecutionResponse response) {
      ExecutionResult result = response.getExecutionResult();
      if (result == null) {
        return;
      }
      if (!result.isDataPresent()) {
        JsonObject json = new JsonObject(response.getExecutionResultAsString());
        target.refused(json.getJsonArray("errors", new JsonArray()));
      } else if (result.getData() instanceof Publisher<?> stream) {
        @SuppressWarnings("unchecked")
        Publisher<ExecutionResult> events = (Publisher<ExecutionResult>) stream;
        target.stream(events);
      } else {
        target.single(response);
      }
    }

    @Override
    public void fail(Throwable t) {
      LOG.warn("a GraphQL WebSocket operation failed", t);
      target.failed(t);
    }
  }
}
