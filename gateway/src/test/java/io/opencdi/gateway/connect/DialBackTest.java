package io.opencdi.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent dials back and may send everything and close before the gateway has checked its token,
 * as an agent with a small download does, or while the claimant has paused the tunnel for a reader
 * slower than the agent. Tried over real WebSockets on loopback: the agent's frames and then its
 * close reach whoever claims the tunnel, in the order they were sent.
 */
class DialBackTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx vertx;
  private HttpServer server;
  private final CompletableFuture<DialBack> dialled = new CompletableFuture<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void listen() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                request ->
                    request
                        .toWebSocket()
                        .onSuccess(
                            ws -> {
                              ws.pause();
                              dialled.complete(DialBack.of(ws));
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private WebSocket agent() throws Exception {
    return http.newWebSocketBuilder()
        .buildAsync(
            URI.create("ws://127.0.0.1:" + server.actualPort() + "/agent/v1/tunnel/t"),
            new WebSocket.Listener() {})
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void whatAnAgentSentBeforeItWasClaimedArrivesThenItsClose() throws Exception {
    WebSocket agent = agent();
    agent.sendText("{\"size\":5}", true).get(10, TimeUnit.SECONDS);
    agent
        .sendBinary(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), true)
        .get(10, TimeUnit.SECONDS);
    agent.sendClose(1000, "sent").get(10, TimeUnit.SECONDS);
    DialBack back = dialled.get(10, TimeUnit.SECONDS);
    ServerWebSocket socket = back.socket();
    await().atMost(WAIT).until(socket::isClosed);
    // What the claim must not rely on: Vert.x takes no handler once the close has come.
    assertThatThrownBy(() -> socket.frameHandler(f -> {}))
        .isInstanceOf(IllegalStateException.class);

    List<String> seen = new CopyOnWriteArrayList<>();
    vertx.runOnContext(
        v -> {
          back.claim(
              frame -> {
                if (frame.isText()) {
                  seen.add("text " + frame.textData());
                } else if (frame.isBinary()) {
                  seen.add("binary " + frame.binaryData().toString(StandardCharsets.US_ASCII));
                }
              },
              end -> seen.add("end " + socket.closeStatusCode()));
          socket.resume();
        });

    await().atMost(WAIT).until(() -> seen.size() >= 3);
    Thread.sleep(200); // an end reported twice would show by now
    assertThat(seen).containsExactly("text {\"size\":5}", "binary hello", "end 1000");
  }

  @Test
  void anAgentClosingAfterTheClaimEndsItOnce() throws Exception {
    WebSocket agent = agent();
    List<String> seen = claim(dialled.get(10, TimeUnit.SECONDS));
    agent.sendBinary(ByteBuffer.allocate(3), true).get(10, TimeUnit.SECONDS);
    agent.sendClose(1000, "sent").get(10, TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> seen.size() >= 2);
    Thread.sleep(200);
    assertThat(seen).containsExactly("binary 3", "end 1000");
  }

  @Test
  void anAgentThatDroppedTheConnectionBeforeTheClaimEndsItAtOnce() throws Exception {
    WebSocket agent = agent();
    DialBack back = dialled.get(10, TimeUnit.SECONDS);
    agent.abort(); // no close frame: the connection is simply gone
    await().atMost(WAIT).until(back.socket()::isClosed);
    assertThat(back.socket().closeStatusCode()).as("no close frame came").isNull();

    CompletableFuture<Void> ended = new CompletableFuture<>();
    vertx.runOnContext(v -> back.claim(frame -> {}, end -> ended.complete(null)));

    ended.get(10, TimeUnit.SECONDS);
  }

  /** Claims {@code back} on its event loop, collecting binary frames' sizes and the end. */
  private List<String> claim(DialBack back) throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> claimed = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          back.claim(
              frame -> {
                if (frame.isBinary()) {
                  seen.add("binary " + frame.binaryData().length());
                }
              },
              end -> seen.add("end " + back.socket().closeStatusCode()));
          back.socket().resume();
          claimed.complete(null);
        });
    claimed.get(10, TimeUnit.SECONDS);
    return seen;
  }

  private void onLoop(Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          action.run();
          done.complete(null);
        });
    done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void anAgentClosingWhileTheClaimantHasPausedTheTunnelEndsItAfterItsLastFrame() throws Exception {
    WebSocket agent = agent();
    DialBack back = dialled.get(10, TimeUnit.SECONDS);
    List<String> seen = claim(back);
    // The claimant's reader is slow: it pauses the tunnel, as a download or a display does.
    onLoop(() -> back.socket().pause());
    for (int size = 1; size <= 3; size++) {
      agent.sendBinary(ByteBuffer.allocate(size), true).get(10, TimeUnit.SECONDS);
    }
    agent.sendClose(1000, "sent").get(10, TimeUnit.SECONDS);
    // Vert.x has read the close (it counts the socket closed) while the frames wait paused.
    await().atMost(WAIT).until(back.socket()::isClosed);
    Thread.sleep(200); // an early end would show by now
    assertThat(seen).as("nothing before the claimant reads again").isEmpty();

    onLoop(() -> back.socket().resume());

    await().atMost(WAIT).until(() -> seen.size() >= 4);
    Thread.sleep(200);
    assertThat(seen).containsExactly("binary 1", "binary 2", "binary 3", "end 1000");
  }

  @Test
  void anAgentThatDropsTheConnectionWhileTheTunnelIsPausedEndsItAtOnce() throws Exception {
    WebSocket agent = agent();
    DialBack back = dialled.get(10, TimeUnit.SECONDS);
    List<String> seen = claim(back);
    onLoop(() -> back.socket().pause());
    agent.abort(); // no close frame: nothing to wait for

    await().atMost(WAIT).until(() -> seen.contains("end null"));
  }

  @Test
  void theGatewayClosingATunnelEndsItOnceTheAgentAnswers() throws Exception {
    WebSocket agent = agent();
    DialBack back = dialled.get(10, TimeUnit.SECONDS);
    List<String> seen = claim(back);
    agent.sendBinary(ByteBuffer.allocate(2), true).get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> seen.contains("binary 2"));

    onLoop(() -> back.socket().close((short) 1000, "done"));

    // The agent's client answers the close; the tunnel ends once, after the frames before.
    await().atMost(WAIT).until(() -> seen.size() >= 2);
    Thread.sleep(200);
    assertThat(seen).containsExactly("binary 2", "end 1000");
  }
}
