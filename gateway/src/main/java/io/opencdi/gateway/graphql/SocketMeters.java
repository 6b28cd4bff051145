package io.opencdi.gateway.graphql;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the {@code /graphql} WebSocket does for its subscribers, as meters: how many times an event
 * was rendered (once per group and event), how many messages that made, how many slow consumers
 * were closed and the most bytes one connection ever had queued; and where an event's way to a
 * console takes its time inside the gateway: waiting for the fan-out thread ({@value
 * #HANDOUT_WAIT}), then from the hand-out until Netty wrote the message to the kernel ({@value
 * #WRITTEN}: the connection's event loop and a send buffer its client does not empty). A delay that
 * a console sees beyond these two built up outside the gateway, in the kernel's buffers or the
 * client.
 */
// @Singleton, not @ApplicationScoped: called for every message written, so without a client proxy.
@Singleton
public class SocketMeters {
  static final String RENDERS = "opencdi.graphql.subscription.renders";
  static final String DELIVERIES = "opencdi.graphql.subscription.deliveries";
  static final String GROUPS = "opencdi.graphql.subscription.groups";
  static final String MEMBERS = "opencdi.graphql.subscription.members";
  static final String SLOW_CLOSED = "opencdi.graphql.websocket.slow.closed";
  static final String SLOW_RESET = "opencdi.graphql.websocket.slow.reset";
  static final String QUEUED_MAX = "opencdi.graphql.websocket.queued.max.bytes";
  static final String HANDOUT_WAIT = "opencdi.graphql.subscription.handout.wait";
  static final String WRITTEN = "opencdi.graphql.subscription.written";
  static final String WRITES = "opencdi.graphql.websocket.writes";

  private final MeterRegistry meters;
  private final Counter renders;
  private final Counter deliveries;
  private final Counter slowClosed;
  private final Counter slowReset;
  private final Counter writes;
  private final AtomicLong queuedMax = new AtomicLong();
  private final Timer handOutWait;
  private final Timer written;

  public SocketMeters(MeterRegistry meters) {
    this.meters = meters;
    renders =
        Counter.builder(RENDERS)
            .description("events executed and serialised, once per subscription group")
            .register(meters);
    deliveries =
        Counter.builder(DELIVERIES)
            .description("next messages written to subscribers")
            .register(meters);
    slowClosed =
        Counter.builder(SLOW_CLOSED)
            .description("connections closed with 4503 because their client fell behind")
            .register(meters);
    slowReset =
        Counter.builder(SLOW_RESET)
            .description(
                "connections closed with 4503 whose client had not read the close within the"
                    + " grace, then reset")
            .register(meters);
    Gauge.builder(QUEUED_MAX, queuedMax, AtomicLong::get)
        .description("the most bytes one connection had queued and not yet written")
        .baseUnit("bytes")
        .register(meters);
    writes =
        Counter.builder(WRITES)
            .description(
                "socket writes (flushes) to /graphql connections, each of one or more messages")
            .register(meters);
    handOutWait =
        delay(HANDOUT_WAIT, "from a group's rendered event to its hand-out on the fan-out thread");
    written =
        delay(
            WRITTEN,
            "from handing a next message to its connection until it was written to the socket");
  }

  // Histograms, not client-side percentiles: a load run reads the buckets for the whole run and
  // Prometheus can aggregate them across replicas.
  private Timer delay(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(2))
        .register(meters);
  }

  void groups(Supplier<Number> groups, Supplier<Number> members) {
    Gauge.builder(GROUPS, groups).register(meters);
    Gauge.builder(MEMBERS, members).register(meters);
  }

  void rendered(int members) {
    renders.increment();
    deliveries.increment(members);
  }

  void handedOut(long waitedNanos) {
    handOutWait.record(waitedNanos, TimeUnit.NANOSECONDS);
  }

  void flushed() {
    writes.increment();
  }

  void written(long nanosSinceHandOut) {
    written.record(nanosSinceHandOut, TimeUnit.NANOSECONDS);
  }

  void queued(long bytes) {
    queuedMax.accumulateAndGet(bytes, Math::max);
  }

  void slowConsumerClosed(long queuedBytes) {
    queued(queuedBytes);
    slowClosed.increment();
  }

  void slowConsumerReset() {
    slowReset.increment();
  }
}
