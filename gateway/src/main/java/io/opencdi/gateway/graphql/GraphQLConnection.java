package io.opencdi.gateway.graphql;

import graphql.ExecutionResult;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.common.ApiException;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableContext;
import io.quarkus.arc.ManagedContext;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.graphql.execution.ExecutionResponse;
import io.smallrye.graphql.execution.ExecutionResponseWriter;
import io.smallrye.graphql.execution.ExecutionService;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.json.Json;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One graphql-transport-ws connection. Until connection_init with a valid token it runs nothing and
 * closes after the initialisation timeout (4408); afterwards each subscribe verifies the token
 * again (revocation, current role; 4401 when it no longer holds), passes the {@link RequestGuard},
 * and counts against the connection's and the user's operation limits (refused with an error for
 * that operation only). The socket closes with 4401 the moment its token expires or is signed out.
 * Messages are assembled from frames here so that one larger than the endpoint's limit is refused
 * (1009) without being kept.
 */
final class GraphQLConnection {
  private static final Logger LOG = Logger.getLogger(GraphQLConnection.class);

  private final ServerWebSocket ws;
  private final Vertx vertx;
  private final GraphQLWebSocket endpoint;
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();
  private Buffer partial;
  private boolean initReceived;
  private volatile Session session;
  private volatile String token;
  private long initTimer = -1;
  private long expiryTimer = -1;
  private Runnable forgetSessionEnd = () -> {};

  GraphQLConnection(ServerWebSocket ws, Vertx vertx, GraphQLWebSocket endpoint) {
    this.ws = ws;
    this.vertx = vertx;
    this.endpoint = endpoint;
  }

  void start() {
    ws.frameHandler(this::onFrame);
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(e -> LOG.debugf("GraphQL WebSocket failed: %s", e.getMessage()));
    initTimer =
        vertx.setTimer(
            endpoint.limits().initTimeout().toMillis(),
            t -> {
              if (session == null) {
                close(GraphQLCloseCodes.INIT_TIMEOUT, "Connection initialisation timeout");
              }
            });
  }

  private void onFrame(WebSocketFrame frame) {
    if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return; // ping, pong and close: Vert.x answers them
    }
    if (frame.isBinary() || (frame.isContinuation() && partial == null)) {
      close(GraphQLCloseCodes.BAD_REQUEST, "graphql-transport-ws speaks text messages only");
      return;
    }
    Buffer data = frame.binaryData();
    int size = (partial == null ? 0 : partial.length()) + data.length();
    if (size > endpoint.limits().maxMessageBytes()) {
      partial = null;
      close(
          GraphQLCloseCodes.MESSAGE_TOO_BIG,
          "message larger than " + endpoint.limits().maxMessageBytes() + " bytes");
      return;
    }
    partial = partial == null ? data.copy() : partial.appendBuffer(data);
    if (frame.isFinal()) {
      String text = partial.toString();
      partial = null;
      onMessage(text);
    }
  }

  private void onMessage(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      close(GraphQLCloseCodes.BAD_REQUEST, "not a JSON object");
      return;
    }
    Object type = message.getValue("type");
    switch (type instanceof String t ? t : "") {
      case "connection_init" -> onInit(message);
      case "ping" -> send(new JsonObject().put("type", "pong"));
      case "pong" -> {}
      case "subscribe" -> onSubscribe(message);
      case "complete" -> {
        Operation operation = operations.get(String.valueOf(message.getValue("id")));
        if (operation != null) {
          operation.cancel();
        }
      }
      default -> close(GraphQLCloseCodes.BAD_REQUEST, "unknown message type");
    }
  }

  private void onInit(JsonObject message) {
    if (initReceived) {
      close(GraphQLCloseCodes.TOO_MANY_INIT, "Too many initialisation requests");
      return;
    }
    initReceived = true;
    String bearer = bearer(message.getValue("payload"));
    if (bearer == null) {
      close(GraphQLCloseCodes.FORBIDDEN, "Forbidden: send Authorization: Bearer <token>");
      return;
    }
    endpoint
        .sessions()
        .verify(bearer)
        .subscribe()
        .with(
            s -> {
              if (ws.isClosed()) {
                return;
              }
              vertx.cancelTimer(initTimer);
              token = bearer;
              session = s;
              long untilExpiry = Duration.between(Instant.now(), s.expiresAt()).toMillis();
              expiryTimer =
                  vertx.setTimer(
                      Math.max(1, untilExpiry),
                      t ->
                          close(GraphQLCloseCodes.UNAUTHORIZED, "Unauthorized: the token expired"));
              forgetSessionEnd =
                  endpoint
                      .ends()
                      .whenEnded(
                          s.tokenHash(),
                          () -> close(GraphQLCloseCodes.UNAUTHORIZED, "Unauthorized: signed out"));
              send(new JsonObject().put("type", "connection_ack"));
            },
            e -> close(GraphQLCloseCodes.FORBIDDEN, "Forbidden: " + reason(e)));
  }

  private static String bearer(Object payload) {
    if (!(payload instanceof JsonObject p)) {
      return null;
    }
    Object value = p.getValue("Authorization", p.getValue("authorization"));
    if (!(value instanceof String v) || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return v.substring(7).trim();
  }

  private void onSubscribe(JsonObject message) {
    if (session == null) {
      close(GraphQLCloseCodes.UNAUTHORIZED, "Unauthorized");
      return;
    }
    Object rawId = message.getValue("id");
    Object rawPayload = message.getValue("payload");
    if (!(rawId instanceof String id) || id.isEmpty() || !(rawPayload instanceof JsonObject)) {
      close(GraphQLCloseCodes.BAD_REQUEST, "subscribe needs an id and a payload");
      return;
    }
    JsonObject payload = (JsonObject) rawPayload;
    if (operations.containsKey(id)) {
      close(GraphQLCloseCodes.SUBSCRIBER_EXISTS, "Subscriber for " + id + " already exists");
      return;
    }
    if (operations.size() >= endpoint.limits().maxOperationsPerConnection()) {
      error(
          id,
          "OVERLOADED",
          "this connection already runs "
              + endpoint.limits().maxOperationsPerConnection()
              + " operations; complete one first");
      return;
    }
    Operation operation = new Operation(id, session.caller().userId());
    if (!endpoint.acquire(operation.user)) {
      error(
          id,
          "OVERLOADED",
          "you already run "
              + endpoint.limits().maxOperationsPerUser()
              + " operations on this gateway; complete one first");
      return;
    }
    operations.put(id, operation);
    // The token again, for each operation: signed out, demoted or deleted since the socket opened.
    endpoint
        .sessions()
        .verify(token)
        .subscribe()
        .with(
            s -> {
              session = s;
              Object query = payload.getValue("query");
              Object name = payload.getValue("operationName");
              RequestGuard.Refusal refusal =
                  endpoint
                      .guard()
                      .check(
                          query instanceof String q ? q : null,
                          name instanceof String n ? n : null,
                          true);
              if (refusal != null) {
                operation.finish();
                error(id, refusal.code(), refusal.message());
              } else {
                execute(operation, s, payload);
              }
            },
            e -> {
              operation.finish();
              close(GraphQLCloseCodes.UNAUTHORIZED, "Unauthorized: " + reason(e));
            });
  }

  /**
   * Runs the operation through SmallRye GraphQL in a request context and Vert.x context of its own.
   */
  private void execute(Operation operation, Session s, JsonObject payload) {
    Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
    context.runOnContext(
        v -> {
          ManagedContext requests = Arc.container().requestContext();
          requests.activate();
          operation.requestContext = requests.getState();
          try {
            endpoint.requestSession().set(s);
            ExecutionService execution = Arc.container().instance(ExecutionService.class).get();
            // What Quarkus's own handlers hand SmallRye GraphQL: its data fetchers read these.
            Map<String, Object> metadata = new HashMap<>();
            metadata.put("runBlocking", false);
            metadata.put("httpHeaders", Map.of());
            metadata.put("state", operation.requestContext);
            execution.executeAsync(
                Json.createReader(new StringReader(payload.encode())).readObject(),
                metadata,
                new Writer(operation));
          } catch (RuntimeException e) {
            LOG.warn("a GraphQL WebSocket operation failed", e);
            operation.finish();
            error(operation.id, RequestErrorCodes.INTERNAL, RequestErrorCodes.HIDDEN_MESSAGE);
          } finally {
            requests.deactivate();
          }
        });
  }

  private final class Writer implements ExecutionResponseWriter {
    private final Operation operation;

    Writer(Operation operation) {
      this.operation = operation;
    }

    @Override
    public void write(ExecutionResponse response) {
      ExecutionResult result = response.getExecutionResult();
      if (result == null || operation.done.get()) {
        return;
      }
      if (!result.isDataPresent()) {
        // Refused before it ran (validation): graphql-transport-ws's error message.
        JsonObject json = new JsonObject(response.getExecutionResultAsString());
        operation.finish();
        sendError(operation.id, json.getJsonArray("errors", new JsonArray()));
      } else if (result.getData() instanceof Publisher<?> stream) {
        @SuppressWarnings("unchecked")
        Publisher<ExecutionResult> events = (Publisher<ExecutionResult>) stream;
        events.subscribe(new Events(operation));
      } else {
        send(next(operation.id, response));
        complete(operation);
      }
    }

    @Override
    public void fail(Throwable t) {
      LOG.warn("a GraphQL WebSocket operation failed", t);
      operation.finish();
      error(operation.id, RequestErrorCodes.INTERNAL, RequestErrorCodes.HIDDEN_MESSAGE);
    }
  }

  /** Forwards a subscription's events, one at a time. */
  private final class Events implements Subscriber<ExecutionResult> {
    private final Operation operation;

    Events(Operation operation) {
      this.operation = operation;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
      operation.subscription.set(subscription);
      if (operation.done.get()) {
        subscription.cancel();
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onNext(ExecutionResult result) {
      if (operation.done.get() || ws.isClosed()) {
        return;
      }
      send(next(operation.id, new ExecutionResponse(result)));
      operation.subscription.get().request(1);
    }

    @Override
    public void onError(Throwable t) {
      LOG.warn("a GraphQL subscription failed", t);
      operation.finish();
      error(operation.id, RequestErrorCodes.INTERNAL, RequestErrorCodes.HIDDEN_MESSAGE);
    }

    @Override
    public void onComplete() {
      complete(operation);
    }
  }

  /** An operation in flight: counted until it completes, fails or is cancelled. */
  private final class Operation {
    final String id;
    final java.util.UUID user;
    final AtomicBoolean done = new AtomicBoolean();
    final AtomicReference<Subscription> subscription = new AtomicReference<>();
    volatile InjectableContext.ContextState requestContext;

    Operation(String id, java.util.UUID user) {
      this.id = id;
      this.user = user;
    }

    /** Ends the operation once: uncounts it and ends its request context. */
    boolean finish() {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      operations.remove(id, this);
      endpoint.release(user);
      if (requestContext != null) {
        Arc.container().requestContext().destroy(requestContext);
      }
      return true;
    }

    void cancel() {
      if (finish()) {
        Subscription s = subscription.get();
        if (s != null) {
          s.cancel();
        }
      }
    }
  }

  private void complete(Operation operation) {
    if (operation.finish()) {
      send(new JsonObject().put("type", "complete").put("id", operation.id));
    }
  }

  private static JsonObject next(String id, ExecutionResponse response) {
    return new JsonObject()
        .put("type", "next")
        .put("id", id)
        .put("payload", new JsonObject(response.getExecutionResultAsString()));
  }

  private void error(String id, String code, String message) {
    sendError(
        id,
        new JsonArray()
            .add(
                new JsonObject()
                    .put("message", message)
                    .put("extensions", new JsonObject().put("code", code))));
  }

  private void sendError(String id, JsonArray errors) {
    send(new JsonObject().put("type", "error").put("id", id).put("payload", errors));
  }

  private void send(JsonObject message) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(message.encode());
    }
  }

  private void close(short code, String reason) {
    if (!ws.isClosed()) {
      ws.close(code, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }

  private void onClosed() {
    vertx.cancelTimer(initTimer);
    vertx.cancelTimer(expiryTimer);
    forgetSessionEnd.run();
    operations.values().forEach(Operation::cancel);
  }

  private static String reason(Throwable e) {
    return e instanceof ApiException ? e.getMessage() : "the token could not be checked";
  }
}
