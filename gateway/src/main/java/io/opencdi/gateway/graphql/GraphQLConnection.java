package io.opencdi.gateway.graphql;

import graphql.ExecutionResult;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.common.ApiException;
import io.quarkus.arc.InjectableContext;
import io.smallrye.graphql.execution.ExecutionResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
  private final HttpConnection connection;
  private final Vertx vertx;
  private final GraphQLWebSocket endpoint;
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();
  private final Outbound outbound;
  private Buffer partial;
  private boolean initReceived;
  private volatile Session session;
  private volatile String token;
  private long initTimer = -1;
  private long expiryTimer = -1;
  private volatile long slowTimer = -1;
  private Runnable forgetSessionEnd = () -> {};

  GraphQLConnection(
      ServerWebSocket ws, HttpConnection connection, Vertx vertx, GraphQLWebSocket endpoint) {
    this.ws = ws;
    this.connection = connection;
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.outbound =
        new Outbound(
            Outbound.Socket.of(ws),
            ((ConnectionBase) connection).channelHandlerContext(),
            endpoint.limits().maxQueuedBytes(),
            endpoint.limits().flushInterval().toNanos(),
            endpoint.meters(),
            endpoint.backlog(),
            this::onSlowConsumer);
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
                run(
                    operation,
                    s,
                    payload,
                    query instanceof String q ? q : null,
                    name instanceof String n ? n : null);
              }
            },
            e -> {
              operation.finish();
              close(GraphQLCloseCodes.UNAUTHORIZED, "Unauthorized: " + reason(e));
            });
  }

  /**
   * Runs a subscription in the group of its identical subscriptions (starting the group's execution
   * when it is the first), or any other operation on its own.
   */
  private void run(Operation operation, Session s, JsonObject payload, String query, String name) {
    if (!endpoint.limits().groupSubscriptions()
        || !SubscriptionGroups.isSubscription(query, name)) {
      GraphQLExecution.execute(vertx, endpoint, s, payload, operation);
      return;
    }
    Object variables = payload.getValue("variables");
    SubscriptionGroup.Key key =
        SubscriptionGroups.key(
            query, name, variables instanceof JsonObject v ? v.encode() : "{}", s.caller());
    SubscriptionGroups.Joined joined = endpoint.groups().join(key, operation);
    operation.group = joined.group();
    if (operation.done.get()) {
      joined.group().leave(operation); // completed or closed while joining
    }
    if (joined.created()) {
      GraphQLExecution.execute(vertx, endpoint, s, payload, joined.group());
    }
  }

  /** Forwards the events of a subscription that runs on its own (grouping off), one at a time. */
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
      operation.next(serialise(new ExecutionResponse(result)));
      operation.subscription.get().request(1);
    }

    @Override
    public void onError(Throwable t) {
      operation.failed(t);
    }

    @Override
    public void onComplete() {
      complete(operation);
    }
  }

  /**
   * An operation in flight: counted until it completes, fails or is cancelled. A subscription is a
   * member of its group; other operations (and every operation with grouping off) run alone.
   */
  private final class Operation implements GraphQLExecution.Target, SubscriptionGroup.Member {
    final String id;
    final UUID user;
    final AtomicBoolean done = new AtomicBoolean();
    final AtomicReference<Subscription> subscription = new AtomicReference<>();
    final byte[] nextPrefix;
    volatile InjectableContext.ContextState requestContext;
    volatile SubscriptionGroup group;

    Operation(String id, UUID user) {
      this.id = id;
      this.user = user;
      this.nextPrefix = Outbound.nextPrefix(id);
    }

    /** Ends the operation once: uncounts it and ends its request context. */
    boolean finish() {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      operations.remove(id, this);
      endpoint.release(user);
      GraphQLExecution.destroy(requestContext);
      return true;
    }

    void cancel() {
      if (finish()) {
        SubscriptionGroup g = group;
        if (g != null) {
          g.leave(this);
        }
        Subscription s = subscription.get();
        if (s != null) {
          s.cancel();
        }
      }
    }

    @Override
    public void requestContext(InjectableContext.ContextState state) {
      requestContext = state;
      if (done.get()) {
        GraphQLExecution.destroy(state);
      }
    }

    @Override
    public void refused(JsonArray errors) {
      error(errors);
    }

    @Override
    public void stream(Publisher<ExecutionResult> events) {
      events.subscribe(new Events(this));
    }

    @Override
    public void single(ExecutionResponse response) {
      next(serialise(response));
      complete();
    }

    @Override
    public void failed(Throwable t) {
      LOG.warn("a GraphQL WebSocket operation failed", t);
      error(GraphQLExecution.internalError());
    }

    @Override
    public void next(byte[] payload) {
      if (!done.get()) {
        outbound.next(nextPrefix, payload);
      }
    }

    @Override
    public void nextAll(List<byte[]> payloads) {
      if (!done.get()) {
        outbound.nextAll(nextPrefix, payloads);
      }
    }

    @Override
    public void error(JsonArray errors) {
      if (finish()) {
        sendError(id, errors);
      }
    }

    @Override
    public void complete() {
      GraphQLConnection.this.complete(this);
    }
  }

  private static byte[] serialise(ExecutionResponse response) {
    return response.getExecutionResultAsString().getBytes(StandardCharsets.UTF_8);
  }

  private void complete(Operation operation) {
    if (operation.finish()) {
      send(new JsonObject().put("type", "complete").put("id", operation.id));
    }
  }

  private void error(String id, String code, String message) {
    sendError(id, GraphQLExecution.error(code, message));
  }

  private void sendError(String id, JsonArray errors) {
    send(new JsonObject().put("type", "error").put("id", id).put("payload", errors));
  }

  private void send(JsonObject message) {
    outbound.text(message.encode());
  }

  /**
   * The client fell too far behind: its subscriptions end now, the socket once it is told. The
   * close frame waits behind everything still queued, so it is written only if the client reads
   * again; one that has not within the grace is not waited for: its connection is reset, which lets
   * go of the queue at once (a graceful close would keep it until the client read or vanished).
   */
  private void onSlowConsumer() {
    operations.values().forEach(Operation::cancel);
    if (ws.isClosed()) {
      return;
    }
    Future<Void> told =
        outbound.close(
            GraphQLCloseCodes.SLOW_CONSUMER,
            "fell more than " + endpoint.limits().maxQueuedBytes() + " bytes behind");
    slowTimer =
        vertx.setTimer(
            Math.max(1, endpoint.limits().slowConsumerGrace().toMillis()),
            t -> {
              if (!told.isComplete()) {
                endpoint.meters().slowConsumerReset();
                reset();
              }
            });
  }

  /** Closes the TCP connection at once, unsent bytes dropped (RST rather than FIN). */
  private void reset() {
    if (connection instanceof ConnectionBase base) {
      Channel channel = base.channel();
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.close();
    } else {
      connection.close();
    }
  }

  /** Closes the socket after the messages sent before (an error, say), in their order. */
  private void close(short code, String reason) {
    if (!ws.isClosed()) {
      outbound.close(code, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }

  private void onClosed() {
    vertx.cancelTimer(initTimer);
    vertx.cancelTimer(expiryTimer);
    vertx.cancelTimer(slowTimer);
    forgetSessionEnd.run();
    operations.values().forEach(Operation::cancel);
  }

  private static String reason(Throwable e) {
    return e instanceof ApiException ? e.getMessage() : "the token could not be checked";
  }
}
