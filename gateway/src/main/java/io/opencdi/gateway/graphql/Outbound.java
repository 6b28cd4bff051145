package io.opencdi.gateway.graphql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded, paced outbound queue of one {@code /graphql} connection.
 *
 * <p>Bounded: every message is counted from the moment it is handed out until Netty has written it
 * to the kernel; when a client stops reading, that count grows, and past {@code max-queued-bytes}
 * the connection is closed with {@link GraphQLCloseCodes#SLOW_CONSUMER} instead of holding more.
 * Nothing ever waits for a client: a subscription group hands each member its bytes and moves on.
 *
 * <p>Paced ({@link FlushPacing}): the messages handed out are written on the connection's event
 * loop together, one socket write for all that came since the last, at most one write per {@code
 * flush-interval}. Every message of the connection, and its close, goes through this one queue, so
 * their order is the order they were handed out in (a {@code complete} never overtakes the {@code
 * next} before it). The frames are written to the connection's Netty channel directly, not through
 * Vert.x's {@code writeFrame}, which flushes each frame written on the event loop.
 */
final class Outbound {
  private static final byte[] NEXT_SUFFIX = "}".getBytes(StandardCharsets.UTF_8);

  private final Socket ws;
  private final ChannelHandlerContext channel;
  private final long limit;
  private final Runnable onOverflow;
  private final SocketMeters meters;
  private final WriteBacklog backlog;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean overflowed = new AtomicBoolean();
  private final FlushPacing pacing; // guarded by this
  private List<Pending> pending = new ArrayList<>(); // guarded by this
  private boolean drainScheduled; // guarded by this
  private Close close; // guarded by this: asked for, written after the messages before it
  private final Promise<Void> closed = Promise.promise();

  private record Pending(ByteBuf bytes, boolean event, long handedOut) {}

  private record Close(short code, String reason) {}

  /** What the queue needs of its WebSocket besides the channel it writes to. */
  interface Socket {
    boolean isClosed();

    /** Writes the close frame (queued behind what the channel holds) and closes. */
    Future<Void> close(short code, String reason);

    static Socket of(ServerWebSocket ws) {
      return new Socket() {
        @Override
        public boolean isClosed() {
          return ws.isClosed();
        }

        @Override
        public Future<Void> close(short code, String reason) {
          return ws.close(code, reason);
        }
      };
    }
  }

  Outbound(
      Socket ws,
      ChannelHandlerContext channel,
      long limit,
      long flushIntervalNanos,
      SocketMeters meters,
      WriteBacklog backlog,
      Runnable onOverflow) {
    this.ws = ws;
    this.channel = channel;
    this.limit = limit;
    this.pacing = new FlushPacing(flushIntervalNanos);
    this.meters = meters;
    this.backlog = backlog;
    this.onOverflow = onOverflow;
  }

  /** The prefix of every {@code next} message of operation {@code id}, before its payload. */
  static byte[] nextPrefix(String id) {
    return ("{\"type\":\"next\",\"id\":" + io.vertx.core.json.Json.encode(id) + ",\"payload\":")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A {@code next} message: the member's own prefix around the group's shared payload bytes. */
  void next(byte[] prefix, byte[] payload) {
    nextAll(prefix, List.of(payload));
  }

  /** Several {@code next} messages in their order, queued together (one socket write). */
  void nextAll(byte[] prefix, List<byte[]> payloads) {
    List<ByteBuf> messages = new ArrayList<>(payloads.size());
    for (byte[] payload : payloads) {
      // No copy of the payload: a composite of the three arrays, written as one text frame.
      messages.add(Unpooled.wrappedBuffer(prefix, payload, NEXT_SUFFIX));
    }
    write(messages, true);
  }

  void text(String message) {
    write(List.of(Unpooled.wrappedBuffer(message.getBytes(StandardCharsets.UTF_8))), false);
  }

  /**
   * Closes the connection with {@code code} once the messages handed out before are written;
   * messages handed out after are dropped. The future completes as Vert.x's close does: when the
   * close frame was written, which for a client that stopped reading is never.
   */
  Future<Void> close(short code, String reason) {
    synchronized (this) {
      if (close != null) {
        return closed.future();
      }
      close = new Close(code, reason);
      if (drainScheduled) {
        return closed.future(); // the scheduled drain writes the messages and then the close
      }
      drainScheduled = true;
    }
    schedule(0);
    return closed.future();
  }

  private void write(List<ByteBuf> messages, boolean event) {
    int size = 0;
    for (ByteBuf bytes : messages) {
      size += bytes.readableBytes();
    }
    if (ws.isClosed() || overflowed.get()) {
      release(messages);
      return;
    }
    long now = queued.addAndGet(size);
    if (now > limit) {
      queued.addAndGet(-size);
      release(messages);
      if (overflowed.compareAndSet(false, true)) {
        meters.slowConsumerClosed(queued.get());
        onOverflow.run();
      }
      return;
    }
    meters.queued(now);
    long delay;
    synchronized (this) {
      if (close != null) {
        queued.addAndGet(-size);
        release(messages);
        return;
      }
      long handedOut = System.nanoTime();
      for (ByteBuf bytes : messages) {
        pending.add(new Pending(bytes, event, handedOut));
      }
      if (drainScheduled) {
        return; // goes out with the write already scheduled
      }
      drainScheduled = true;
      delay = pacing.delay(handedOut);
    }
    schedule(delay);
  }

  private static void release(List<ByteBuf> messages) {
    messages.forEach(ByteBuf::release);
  }

  private void schedule(long delayNanos) {
    backlog.queued();
    try {
      if (delayNanos <= 0) {
        channel.executor().execute(this::drain);
      } else {
        channel.executor().schedule(this::drain, delayNanos, TimeUnit.NANOSECONDS);
      }
    } catch (RejectedExecutionException stopping) {
      backlog.ran();
      drop(); // the event loop is shutting down, and the connection with it
      closed.tryComplete();
    }
  }

  /** On the event loop: writes every message handed out since the last drain, then flushes. */
  private void drain() {
    backlog.ran();
    List<Pending> items;
    Close closeNow;
    synchronized (this) {
      items = pending;
      pending = new ArrayList<>();
      drainScheduled = false;
      closeNow = close;
      if (!items.isEmpty()) {
        pacing.flushed(System.nanoTime());
      }
    }
    for (Pending item : items) {
      int size = item.bytes().readableBytes();
      ChannelPromise written = channel.newPromise();
      written.addListener(
          f -> {
            queued.addAndGet(-size);
            if (item.event() && f.isSuccess()) {
              meters.written(System.nanoTime() - item.handedOut());
            }
          });
      channel.write(new TextWebSocketFrame(true, 0, item.bytes()), written);
    }
    if (!items.isEmpty()) {
      channel.flush();
      meters.flushed();
    }
    if (closeNow != null) {
      if (ws.isClosed()) {
        closed.tryComplete();
      } else {
        ws.close(closeNow.code(), closeNow.reason()).onComplete(closed);
      }
    }
  }

  private void drop() {
    List<Pending> items;
    synchronized (this) {
      items = pending;
      pending = new ArrayList<>();
    }
    for (Pending item : items) {
      queued.addAndGet(-item.bytes().readableBytes());
      item.bytes().release();
    }
  }

  /** Bytes handed out and not yet written to the socket. */
  long queued() {
    return queued.get();
  }
}
