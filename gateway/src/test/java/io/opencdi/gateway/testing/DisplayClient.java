package io.opencdi.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A viewer's WebSocket to the display endpoint, as noVNC opens it: binary frames carry an RFB byte
 * stream. Reads are blocking with a deadline; the close code and reason are kept.
 */
public final class DisplayClient implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  private final WebSocketClient client;
  private final WebSocket ws;
  private final Object lock = new Object();
  private Buffer pending = Buffer.buffer();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private volatile String closeReason;

  private DisplayClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
  }

  /** Opens {@code url}; {@code origin} and {@code subprotocol} may be null (not sent). */
  public static DisplayClient open(String url, String origin, String subprotocol) throws Exception {
    return open(url, origin == null ? Map.of() : Map.of("Origin", origin), subprotocol);
  }

  /** Opens {@code url} with request headers, e.g. an agent's Authorization. */
  public static DisplayClient open(String url, Map<String, String> headers, String subprotocol)
      throws Exception {
    WebSocketClient client =
        VERTX.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(url);
    headers.forEach(options::addHeader);
    if (subprotocol != null) {
      options.addSubProtocol(subprotocol);
    }
    CompletableFuture<DisplayClient> opened = new CompletableFuture<>();
    // Handlers go in on the event loop as the socket opens, before any frame (even a close
    // that follows the upgrade at once) is handled.
    client
        .connect(options)
        .onSuccess(
            ws -> {
              DisplayClient c = new DisplayClient(client, ws);
              try {
                opened.complete(c.listen());
              } catch (IllegalStateException closedAlready) {
                // The server closed right after the upgrade, before the handlers were in: the
                // close frame was read, and its code is what the caller asks for.
                c.closeReason = ws.closeReason();
                c.closeCode.complete(
                    ws.closeStatusCode() == null ? 1006 : (int) ws.closeStatusCode());
                opened.complete(c);
              }
            })
        .onFailure(opened::completeExceptionally);
    return opened.get(10, TimeUnit.SECONDS);
  }

  private DisplayClient listen() {
    DisplayClient c = this;
    ws.handler(
        data -> {
          synchronized (c.lock) {
            c.pending.appendBuffer(data);
            c.lock.notifyAll();
          }
        });
    ws.closeHandler(
        v -> {
          c.closeReason = ws.closeReason();
          c.closeCode.complete(ws.closeStatusCode() == null ? 1006 : (int) ws.closeStatusCode());
          synchronized (c.lock) {
            c.lock.notifyAll();
          }
        });
    return c;
  }

  /** The subprotocol the server agreed to, or null. */
  public String subprotocol() {
    return ws.subProtocol();
  }

  /** Reads exactly {@code n} bytes, or fails after {@code timeout}. */
  public byte[] read(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (pending.length() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closeCode.isDone()) {
          throw new AssertionError(
              "wanted "
                  + n
                  + " bytes, got "
                  + pending.length()
                  + (closeCode.isDone() ? "; closed " + closeCode.join() + " " + closeReason : ""));
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      byte[] out = pending.getBytes(0, n);
      pending = pending.getBuffer(n, pending.length());
      return out;
    }
  }

  public void write(byte[] data) {
    ws.writeBinaryMessage(Buffer.buffer(data));
  }

  public void writeText(String text) {
    ws.writeTextMessage(text);
  }

  /** The close code once the server closed (waits up to {@code timeout}). */
  public int closeCode(Duration timeout) throws Exception {
    return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the server closed the connection (so far). */
  public boolean isClosed() {
    return closeCode.isDone();
  }

  public String closeReason() {
    return closeReason;
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}
