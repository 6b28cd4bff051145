package io.opencdi.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A raw graphql-transport-ws client that sends whatever it is told, in the order it is told — as a
 * hostile or careless client would — and records every message and the close code.
 */
public final class GraphQLSocket implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  private final WebSocketClient client;
  private final WebSocket socket;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private volatile Short closeCode;

  private GraphQLSocket(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
  }

  /** Opens {@code /graphql} with the graphql-transport-ws subprotocol; sends nothing yet. */
  public static GraphQLSocket open(int port) throws Exception {
    WebSocketClient client =
        VERTX.createWebSocketClient(
            new WebSocketClientOptions().setMaxMessageSize(4 << 20).setMaxFrameSize(4 << 20));
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("localhost")
            .setPort(port)
            .setURI("/graphql")
            .addSubProtocol("graphql-transport-ws");
    WebSocket ws =
        client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    GraphQLSocket s = new GraphQLSocket(client, ws);
    ws.textMessageHandler(t -> s.received.add(new JsonObject(t)));
    ws.closeHandler(v -> s.closeCode = ws.closeStatusCode() == null ? -1 : ws.closeStatusCode());
    return s;
  }

  /** Opens {@code /graphql} and initialises it with {@code token}; waits for connection_ack. */
  public static GraphQLSocket signedIn(int port, String token) throws Exception {
    GraphQLSocket s = open(port);
    s.init(token);
    long deadline = System.currentTimeMillis() + 10_000;
    while (s.ofType("connection_ack").isEmpty() && System.currentTimeMillis() < deadline) {
      if (s.closeCode != null) {
        throw new AssertionError("closed with " + s.closeCode + " instead of connection_ack");
      }
      Thread.sleep(20);
    }
    if (s.ofType("connection_ack").isEmpty()) {
      throw new AssertionError("no connection_ack");
    }
    return s;
  }

  public void init(String token) {
    JsonObject init = new JsonObject().put("type", "connection_init");
    if (token != null) {
      init.put("payload", new JsonObject().put("Authorization", "Bearer " + token));
    }
    send(init.encode());
  }

  /** Sends a subscribe message for {@code query} under {@code id}. */
  public void subscribe(String id, String query) {
    send(
        new JsonObject()
            .put("id", id)
            .put("type", "subscribe")
            .put("payload", new JsonObject().put("query", query))
            .encode());
  }

  /** Sends a subscribe message for an operation of a shared document, with variables. */
  public void subscribe(String id, String query, String operationName, JsonObject variables) {
    send(
        new JsonObject()
            .put("id", id)
            .put("type", "subscribe")
            .put(
                "payload",
                new JsonObject()
                    .put("query", query)
                    .put("operationName", operationName)
                    .put("variables", variables))
            .encode());
  }

  /** Stops reading from the socket, as a client that hangs or a congested network would. */
  public void stopReading() {
    socket.pause();
  }

  /** Reads again whatever the server sent meanwhile. */
  public void resumeReading() {
    socket.resume();
  }

  public void send(String text) {
    socket.writeTextMessage(text);
  }

  /** Sends {@code text} as one message split into frames of {@code frameBytes}. */
  public void sendInFrames(String text, int frameBytes) {
    Buffer all = Buffer.buffer(text);
    for (int at = 0; at < all.length(); at += frameBytes) {
      Buffer part = all.getBuffer(at, Math.min(all.length(), at + frameBytes));
      boolean last = at + frameBytes >= all.length();
      socket.writeFrame(
          at == 0
              ? WebSocketFrame.textFrame(part.toString(), last)
              : WebSocketFrame.continuationFrame(part, last));
    }
  }

  /** Every message received so far of {@code type}. */
  public List<JsonObject> ofType(String type) {
    return received.stream().filter(m -> type.equals(m.getString("type"))).toList();
  }

  /** Every message received so far about operation {@code id}. */
  public List<JsonObject> about(String id) {
    return received.stream().filter(m -> id.equals(m.getString("id"))).toList();
  }

  /** The close code, or null while open. */
  public Short closeCode() {
    return closeCode;
  }

  @Override
  public void close() {
    if (!socket.isClosed()) {
      socket.close();
    }
    client.close();
  }
}
