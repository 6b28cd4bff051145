package io.opencdi.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A viewer's audio WebSocket as the web UI opens it: every binary message is one Opus packet, kept
 * whole with the moment it arrived. The close code and reason are kept.
 */
public final class AudioClient implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  /** One message from the gateway and when it arrived ({@link System#nanoTime()}). */
  public record Packet(byte[] bytes, long arrivedNanos) {}

  private final WebSocketClient client;
  private final BlockingQueue<Packet> packets = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private volatile WebSocket ws;
  private volatile String closeReason;

  private AudioClient(WebSocketClient client) {
    this.client = client;
  }

  /** Opens {@code url}, sending {@code origin} when it is not null. */
  public static AudioClient open(String url, String origin) throws Exception {
    AudioClient c = new AudioClient(VERTX.createWebSocketClient());
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(url);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    CompletableFuture<AudioClient> opened = new CompletableFuture<>();
    c.client
        .connect(options)
        .onSuccess(
            ws -> {
              c.ws = ws;
              try {
                ws.binaryMessageHandler(
                    b -> c.packets.add(new Packet(b.getBytes(), System.nanoTime())));
                ws.closeHandler(v -> c.closed(ws));
              } catch (IllegalStateException closedAlready) {
                c.closed(ws); // closed right after the upgrade: its code is the answer
              }
              opened.complete(c);
            })
        .onFailure(opened::completeExceptionally);
    return opened.get(10, TimeUnit.SECONDS);
  }

  private void closed(WebSocket socket) {
    closeReason = socket.closeReason();
    closeCode.complete(socket.closeStatusCode() == null ? 1006 : (int) socket.closeStatusCode());
  }

  /** The next packet, or null after {@code timeout}. */
  public Packet next(Duration timeout) throws InterruptedException {
    return packets.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends one binary message. */
  public void send(byte[] packet) {
    ws.writeBinaryMessage(Buffer.buffer(packet));
  }

  /** Sends one text message. */
  public void sendText(String text) {
    ws.writeTextMessage(text);
  }

  /** The close code once the server closed (waits up to {@code timeout}). */
  public int closeCode(Duration timeout) throws Exception {
    return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public String closeReason() {
    return closeReason;
  }

  @Override
  public void close() {
    if (ws != null && !ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}
