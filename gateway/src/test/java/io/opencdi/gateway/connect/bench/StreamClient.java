package io.opencdi.gateway.connect.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket viewer that measures a path to the {@link EchoServer}: it completes the RFB
 * handshake, then sends clipboard text (ClientCutText) that comes back as ServerCutText; round
 * trips of small messages, and bulk flow. Sizes count whole messages, their 8-byte headers
 * included.
 */
final class StreamClient implements AutoCloseable {
  private final WebSocketClient client;
  private final WebSocket ws;
  private final Context context;
  private final AtomicLong received = new AtomicLong();
  private volatile CompletableFuture<Void> waiter;
  private volatile long waitFor;

  private StreamClient(WebSocketClient client, WebSocket ws, Context context) {
    this.client = client;
    this.ws = ws;
    this.context = context;
  }

  static StreamClient open(Vertx vertx, String url, String origin) throws Exception {
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions().setMaxFrameSize(65536).setTcpNoDelay(true));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(url);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    CompletableFuture<StreamClient> opened = new CompletableFuture<>();
    client
        .connect(options)
        .onSuccess(
            ws -> {
              StreamClient c = new StreamClient(client, ws, Vertx.currentContext());
              ws.handler(c::onData);
              opened.complete(c);
            })
        .onFailure(opened::completeExceptionally);
    StreamClient c = opened.get(20, TimeUnit.SECONDS);
    try {
      c.handshake();
    } catch (Exception e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** RFB 3.8 as a viewer: version, security None, shared ClientInit, then the ServerInit. */
  private void handshake() throws Exception {
    expect(12).get(20, TimeUnit.SECONDS);
    ws.writeBinaryMessage(Buffer.buffer("RFB 003.008\n"));
    expect(12 + 2).get(20, TimeUnit.SECONDS);
    ws.writeBinaryMessage(Buffer.buffer(new byte[] {1}));
    expect(12 + 2 + 4).get(20, TimeUnit.SECONDS);
    ws.writeBinaryMessage(Buffer.buffer(new byte[] {1}));
    expect(EchoServer.HANDSHAKE_BYTES).get(20, TimeUnit.SECONDS);
    received.addAndGet(-EchoServer.HANDSHAKE_BYTES);
  }

  /** A ClientCutText message of {@code size} bytes in all. */
  private static Buffer cutText(int size) {
    return Buffer.buffer(new byte[size]).setByte(0, (byte) 6).setInt(4, size - 8);
  }

  private void onData(Buffer data) {
    long total = received.addAndGet(data.length());
    CompletableFuture<Void> w = waiter;
    if (w != null && total >= waitFor) {
      waiter = null;
      w.complete(null);
    }
  }

  private CompletableFuture<Void> expect(long total) {
    CompletableFuture<Void> w = new CompletableFuture<>();
    waitFor = total;
    waiter = w;
    if (received.get() >= total && waiter == w) {
      waiter = null;
      w.complete(null);
    }
    return w;
  }

  /** Sends {@code size} bytes and waits for them to come back; returns the round trip in ns. */
  long roundTrip(int size) throws Exception {
    CompletableFuture<Void> back = expect(received.get() + size);
    long start = System.nanoTime();
    ws.writeBinaryMessage(cutText(size));
    back.get(30, TimeUnit.SECONDS);
    return System.nanoTime() - start;
  }

  /**
   * Streams {@code total} bytes in {@code frame}-sized messages (respecting the socket's write
   * queue) and waits until all came back; returns the elapsed ns.
   */
  long stream(long total, int frame) throws Exception {
    long target = received.get() + total;
    CompletableFuture<Void> back = expect(target);
    Buffer chunk = cutText(frame);
    long start = System.nanoTime();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    // The writes run on the socket's own event loop, paced by its write queue.
    context.runOnContext(v -> sendFrom(0, total, frame, chunk, sent));
    sent.get(120, TimeUnit.SECONDS);
    back.get(120, TimeUnit.SECONDS);
    return System.nanoTime() - start;
  }

  private void sendFrom(
      long offset, long total, int frame, Buffer chunk, CompletableFuture<Void> done) {
    long o = offset;
    while (o < total) {
      if (ws.writeQueueFull()) {
        long resume = o;
        ws.drainHandler(v -> sendFrom(resume, total, frame, chunk, done));
        return;
      }
      ws.writeBinaryMessage(chunk);
      o += frame;
    }
    done.complete(null);
  }

  boolean isOpen() {
    return !ws.isClosed();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}
