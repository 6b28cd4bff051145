package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection's outbound queue on a Netty channel whose event loop the test drives: what reaches
 * the socket, in which writes, and in which order.
 */
class OutboundTest {
  private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

  /** The socket end: every frame written and every flush, as the kernel would see them. */
  private final List<String> frames = new ArrayList<>();

  private final List<Integer> framesPerFlush = new ArrayList<>();
  private int sinceFlush;
  private boolean closed;
  private final AtomicInteger overflows = new AtomicInteger();
  private EmbeddedChannel channel;
  private ChannelHandlerContext context;
  private final WriteBacklog backlog = new WriteBacklog(1024, 0);
  private SimpleMeterRegistry registry;
  private SocketMeters meters;

  @BeforeEach
  void channel() {
    channel =
        new EmbeddedChannel(
            new ChannelOutboundHandlerAdapter() {
              @Override
              public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                WebSocketFrame frame = (WebSocketFrame) msg;
                frames.add(
                    frame instanceof CloseWebSocketFrame close
                        ? "close " + close.statusCode()
                        : frame.content().toString(StandardCharsets.UTF_8));
                frame.release();
                sinceFlush++;
                promise.setSuccess();
              }

              @Override
              public void flush(ChannelHandlerContext ctx) {
                framesPerFlush.add(sinceFlush);
                sinceFlush = 0;
              }
            },
            // Where the connection's handler sits (Vert.x's, last): its writes pass the one above.
            new ChannelInboundHandlerAdapter());
    channel.freezeTime();
    context = channel.pipeline().lastContext();
    registry = new SimpleMeterRegistry();
    meters = new SocketMeters(registry);
  }

  private Outbound outbound(long limit) {
    Outbound.Socket socket =
        new Outbound.Socket() {
          @Override
          public boolean isClosed() {
            return closed;
          }

          @Override
          public Future<Void> close(short code, String reason) {
            closed = true;
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
            return Future.succeededFuture();
          }
        };
    return new Outbound(
        socket, context, limit, INTERVAL, meters, backlog, overflows::incrementAndGet);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aConsoleThatHasNotBeenWrittenToGetsItsFirstEventAtOnce() {
    Outbound out = outbound(1 << 20);
    out.next(bytes("{\"id\":\"1\",\"payload\":"), bytes("{\"a\":1}"));
    channel.runPendingTasks();
    assertThat(frames).containsExactly("{\"id\":\"1\",\"payload\":{\"a\":1}}");
    assertThat(framesPerFlush).containsExactly(1);
    assertThat(out.queued()).isZero();
  }

  @Test
  void eventsWithinTheIntervalWaitAndGoOutTogetherInOneWriteInTheirOrder() {
    Outbound out = outbound(1 << 20);
    out.text("first");
    channel.runPendingTasks();
    out.text("second");
    out.next(bytes("third "), bytes("payload"));
    out.text("fourth");
    channel.runPendingTasks();
    assertThat(frames).containsExactly("first"); // the rest waits for the interval

    channel.advanceTimeBy(INTERVAL, TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();
    assertThat(frames).containsExactly("first", "second", "third payload}", "fourth");
    assertThat(framesPerFlush).containsExactly(1, 3);
    assertThat(out.queued()).isZero();
    assertThat(backlog.size()).as("every queued write ran").isZero();
    assertThat(registry.get(SocketMeters.WRITES).counter().count()).isEqualTo(2);
  }

  @Test
  void eventsHandedOutTogetherGoOutInOneWrite() {
    Outbound out = outbound(1 << 20);
    out.nextAll(bytes("n "), List.of(bytes("1"), bytes("2"), bytes("3")));
    channel.runPendingTasks();
    assertThat(frames).containsExactly("n 1}", "n 2}", "n 3}");
    assertThat(framesPerFlush).containsExactly(3);
  }

  @Test
  void aCloseFollowsTheMessagesBeforeItAndNothingAfterIt() {
    Outbound out = outbound(1 << 20);
    out.text("first");
    channel.runPendingTasks();
    out.text("{\"type\":\"error\"}");
    out.close((short) 4400, "bad request");
    out.text("too late");
    channel.advanceTimeBy(INTERVAL, TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
    assertThat(frames).containsExactly("first", "{\"type\":\"error\"}", "close 4400");
    assertThat(closed).isTrue();
    assertThat(out.queued()).isZero();
  }

  @Test
  void aConsoleFurtherBehindThanTheLimitIsReportedOnceAndHoldsNoMore() {
    Outbound out = outbound(10);
    out.text("12345678");
    out.text("abcdefgh"); // 16 bytes would be queued: over the limit
    out.text("more");
    assertThat(overflows.get()).isEqualTo(1);
    assertThat(out.queued()).isEqualTo(8);
    channel.runPendingTasks();
    assertThat(frames).containsExactly("12345678");
    assertThat(out.queued()).isZero();
  }

  @Test
  void everyEventWrittenIsTimedFromItsHandOut() {
    Outbound out = outbound(1 << 20);
    out.next(bytes("a"), bytes("b"));
    out.text("not an event");
    channel.runPendingTasks();
    assertThat(registry.get(SocketMeters.WRITTEN).timer().count()).isEqualTo(1);
  }
}
