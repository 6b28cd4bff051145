package io.opencdi.gateway.testing;

import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolVersion;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A control channel opened by hand with an agent token, to send the gateway any frame an agent, or
 * someone who holds an agent token, could send.
 */
public final class RawAgent implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  private final ProtocolCodec codec = new ProtocolCodec();
  private final List<Message> received = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final WebSocketClient client;
  private final WebSocket ws;
  private long beating = -1;

  private RawAgent(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> received.add(codec.decode(text)));
    ws.closeHandler(
        v -> {
          Short code = ws.closeStatusCode();
          closed.complete(code == null ? -1 : code.intValue());
        });
  }

  /** Opens the control channel of the gateway at {@code port} with {@code token}. */
  public static RawAgent connect(int port, String token) throws Exception {
    WebSocketClient client = VERTX.createWebSocketClient();
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("localhost")
            .setPort(port)
            .setURI(ProtocolVersion.PATH)
            .addHeader("Authorization", "Bearer " + token);
    WebSocket ws =
        client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new RawAgent(client, ws);
  }

  public void send(Message message) throws Exception {
    ws.writeTextMessage(codec.encode(message))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** Sends a heartbeat every second from now on, as a live agent does. */
  public RawAgent beating() {
    beating =
        VERTX.setPeriodic(
            1000,
            t -> ws.writeTextMessage(codec.encode(new Heartbeat(System.currentTimeMillis()))));
    return this;
  }

  /**
   * The START command the gateway sent for {@code desktopId}, once it came (within {@code wait}).
   */
  public Command awaitStart(String desktopId, Duration wait) {
    return await()
        .atMost(wait)
        .until(
            () ->
                received(Command.class).stream()
                    .filter(
                        c -> c.kind() == CommandKind.START && c.desktop().id().equals(desktopId))
                    .findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  /** Frames of {@code type} received so far. */
  public <T extends Message> List<T> received(Class<T> type) {
    return received.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The close code once the gateway closed the channel, or null while it is open. */
  public Integer closeCode() {
    return closed.getNow(null);
  }

  /** A cluster of {@code nodes} node groups of 16 CPU and 64 GiB each, in {@code region}. */
  public static ClusterReport cluster(String name, String region, int nodes) {
    List<NodeGroupReport> groups =
        java.util.stream.IntStream.range(0, nodes)
            .mapToObj(i -> new NodeGroupReport("node-" + i, "amd64", 16_000, 65_536, 110, 0, 0))
            .toList();
    return new ClusterReport(
        name,
        region,
        region + "-1a",
        List.of("amd64"),
        List.of("runc"),
        List.of("longhorn"),
        List.of(),
        groups);
  }

  @Override
  public void close() {
    if (beating >= 0) {
      VERTX.cancelTimer(beating);
    }
    ws.close();
    client.close();
  }
}
