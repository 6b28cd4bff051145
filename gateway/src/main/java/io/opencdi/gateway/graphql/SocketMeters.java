package io.opencdi.gateway.graphql;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the {@code /graphql} WebSocket does for its subscribers, as meters: how many times an event
 * was rendered (once per group and event), how many messages that made, how many slow consumers
 * were closed and the most bytes one connection ever had queued.
 */
@ApplicationScoped
public class SocketMeters {
  static final String RENDERS = "opencdi.graphql.subscription.renders";
  static final String DELIVERIES = "opencdi.graphql.subscription.deliveries";
  static final String GROUPS = "opencdi.graphql.subscription.groups";
  static final String MEMBERS = "opencdi.graphql.subscription.members";
  static final String SLOW_CLOSED = "opencdi.graphql.websocket.slow.closed";
  static final String SLOW_RESET = "opencdi.graphql.websocket.slow.reset";
  static final String QUEUED_MAX = "opencdi.graphql.websocket.queued.max.bytes";

  private final MeterRegistry meters;
  private final Counter renders;
  private final Counter deliveries;
  private final Counter slowClosed;
  private final Counter slowReset;
  private final AtomicLong queuedMax = new AtomicLong();

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
  }

  void groups(Supplier<Number> groups, Supplier<Number> members) {
    Gauge.builder(GROUPS, groups).register(meters);
    Gauge.builder(MEMBERS, members).register(meters);
  }

  void rendered(int members) {
    renders.increment();
    deliveries.increment(members);
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
