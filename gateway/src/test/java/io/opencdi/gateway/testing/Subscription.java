package io.opencdi.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A GraphQL subscription over graphql-transport-ws, as a browser or script opens it:
 * connection_init with the bearer token, then subscribe, then collect every {@code next} payload.
 */
public final class Subscription implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  private final WebSocket socket;
  private final WebSocketClient client;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<JsonObject> errors = new CopyOnWriteArrayList<>();
  private volatile boolean completed;
  private volatile boolean acknowledged;

  private Subscription(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
  }

  public static Subscription open(
      int port, String token, String file, String operation, Map<String, Object> variables)
      throws Exception {
    WebSocketClient client = VERTX.createWebSocketClient();
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("localhost")
            .setPort(port)
            .setURI("/graphql")
            .addSubProtocol("graphql-transport-ws");
    WebSocket ws =
        client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Subscription s = new Subscription(client, ws);
    ws.textMessageHandler(s::onText);
    JsonObject init = new JsonObject().put("type", "connection_init");
    if (token != null) {
      init.put("payload", new JsonObject().put("Authorization", "Bearer " + token));
    }
    ws.writeTextMessage(init.encode());
    long deadline = System.currentTimeMillis() + 10_000;
    while (!s.acknowledged && System.currentTimeMillis() < deadline && !ws.isClosed()) {
      Thread.sleep(20);
    }
    ws.writeTextMessage(
        new JsonObject()
            .put("id", "1")
            .put("type", "subscribe")
            .put(
                "payload",
                new JsonObject()
                    .put("query", GraphQL.document(file))
                    .put("operationName", operation)
                    .put("variables", new JsonObject(variables)))
            .encode());
    return s;
  }

  private void onText(String text) {
    JsonObject m = new JsonObject(text);
    switch (m.getString("type")) {
      case "connection_ack" -> acknowledged = true;
      case "next" -> events.add(m.getJsonObject("payload"));
      case "error" -> errors.add(new JsonObject().put("errors", m.getValue("payload")));
      case "complete" -> completed = true;
      case "ping" -> socket.writeTextMessage(new JsonObject().put("type", "pong").encode());
      default -> {}
    }
  }

  /** Every {@code next} payload so far ({@code data} and possibly {@code errors}). */
  public List<JsonObject> events() {
    return List.copyOf(events);
  }

  /** Every {@code error} message so far. */
  public List<JsonObject> errors() {
    return List.copyOf(errors);
  }

  /** Whether the server ended the subscription with {@code complete}. */
  public boolean completed() {
    return completed;
  }

  public boolean acknowledged() {
    return acknowledged;
  }

  @Override
  public void close() {
    socket.close();
    client.close();
  }
}
