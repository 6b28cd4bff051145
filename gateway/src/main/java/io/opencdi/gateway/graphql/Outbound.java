package io.opencdi.gateway.graphql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded outbound queue of one {@code /graphql} connection. Every message is counted from the
 * moment it is handed to the socket until Netty has written it to the kernel; when a client stops
 * reading, that count grows, and past {@code max-queued-bytes} the connection is closed with {@link
 * GraphQLCloseCodes#SLOW_CONSUMER} instead of holding more. Nothing ever waits for a client: a
 * subscription group hands each member its bytes and moves on.
 */
final class Outbound {
  private static final byte[] NEXT_SUFFIX = "}".getBytes(StandardCharsets.UTF_8);

  private final ServerWebSocket ws;
  private final long limit;
  private final Runnable onOverflow;
  private final SocketMeters meters;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean overflowed = new AtomicBoolean();

  Outbound(ServerWebSocket ws, long limit, SocketMeters meters, Runnable onOverflow) {
    this.ws = ws;
    this.limit = limit;
    this.meters = meters;
    this.onOverflow = onOverflow;
  }

  /** The prefix of every {@code next} message of operation {@code id}, before its payload. */
  static byte[] nextPrefix(String id) {
    return ("{\"type\":\"next\",\"id\":" + io.vertx.core.json.Json.encode(id) + ",\"payload\":")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A {@code next} message: the member's own prefix around the group's shared payload bytes. */
  void next(byte[] prefix, byte[] payload) {
    // No copy of the payload: a composite of the three arrays, written as one text frame.
    write(Unpooled.wrappedBuffer(prefix, payload, NEXT_SUFFIX), true);
  }

  void text(String message) {
    write(Unpooled.wrappedBuffer(message.getBytes(StandardCharsets.UTF_8)), false);
  }

  private void write(ByteBuf bytes, boolean event) {
    int size = bytes.readableBytes();
    if (ws.isClosed() || overflowed.get()) {
      bytes.release();
      return;
    }
    long now = queued.addAndGet(size);
    if (now > limit) {
      queued.addAndGet(-size);
      bytes.release();
      if (overflowed.compareAndSet(false, true)) {
        meters.slowConsumerClosed(queued.get());
        onOverflow.run();
      }
      return;
    }
    meters.queued(now);
    long handedOut = System.nanoTime();
    ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, bytes, true))
        .onComplete(
            ar -> {
              queued.addAndGet(-size);
              if (event && ar.succeeded()) {
                meters.written(System.nanoTime() - handedOut);
              }
            });
  }

  /** Bytes handed to the socket and not yet written out. */
  long queued() {
    return queued.get();
  }
}
