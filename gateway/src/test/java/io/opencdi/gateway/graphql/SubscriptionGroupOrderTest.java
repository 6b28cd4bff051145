package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionResult;
import graphql.ExecutionResultImpl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

/**
 * A group hands its events out on the fan-out thread; the end of its stream must follow them there.
 * Here the fan-out thread is a queue the test runs by hand, so the order is exact: a stream that
 * sends one event and completes at once (as a refused subscription does) must reach each member as
 * that event, then {@code complete}.
 */
class SubscriptionGroupOrderTest {
  private final Queue<Runnable> fanOut = new ArrayDeque<>();
  private final Executor queued = fanOut::add;
  private final SubscriptionGroups groups =
      new SubscriptionGroups(
          new SocketMeters(new SimpleMeterRegistry()), queued, new WriteBacklog(1024, 0));

  @Test
  void anEventThenTheEndReachEveryMemberInThatOrder() {
    List<String> first = new CopyOnWriteArrayList<>();
    List<String> second = new CopyOnWriteArrayList<>();
    SubscriptionGroup.Key key =
        new SubscriptionGroup.Key("subscription { x }", null, "{}", "admin");
    SubscriptionGroup group = groups.join(key, member(first)).group();
    groups.join(key, member(second));

    group.stream(eventsThenComplete(Map.of("x", 1)));
    // Nothing reaches a member before the fan-out thread runs, not even the end.
    assertThat(first).isEmpty();
    while (!fanOut.isEmpty()) {
      fanOut.poll().run();
    }

    assertThat(first).containsExactly("next {\"data\":{\"x\":1}}", "complete");
    assertThat(second).containsExactly("next {\"data\":{\"x\":1}}", "complete");
    assertThat(groups.size()).as("the ended group left the registry").isZero();
  }

  @Test
  void eventsThatArriveBeforeTheirHandOutReachEachMemberTogetherInOrder() {
    List<String> first = new CopyOnWriteArrayList<>();
    List<String> batches = new CopyOnWriteArrayList<>();
    SubscriptionGroup.Key key =
        new SubscriptionGroup.Key("subscription { y }", null, "{}", "admin");
    SubscriptionGroup group = groups.join(key, member(first)).group();
    groups.join(key, batchMember(batches));

    group.stream(eventsThenComplete(Map.of("y", 1), Map.of("y", 2), Map.of("y", 3)));
    while (!fanOut.isEmpty()) {
      fanOut.poll().run();
    }

    assertThat(first)
        .containsExactly(
            "next {\"data\":{\"y\":1}}",
            "next {\"data\":{\"y\":2}}",
            "next {\"data\":{\"y\":3}}",
            "complete");
    // All three had arrived before the fan-out thread ran: one hand-out, one call.
    assertThat(batches)
        .containsExactly(
            "batch {\"data\":{\"y\":1}} {\"data\":{\"y\":2}} {\"data\":{\"y\":3}}", "complete");
  }

  @Test
  void aGroupHasAtMostOneEventInExecutionAndAsksForTheNextAsOneArrives() {
    // graphql-java executes every event asked for at once and may finish them out of order.
    List<Long> demand = new CopyOnWriteArrayList<>();
    long[] outstanding = {0};
    Subscription[] upstream = new Subscription[1];
    Publisher<ExecutionResult> events =
        subscriber -> {
          upstream[0] =
              new Subscription() {
                @Override
                public void request(long n) {
                  outstanding[0] += n;
                  demand.add(outstanding[0]);
                }

                @Override
                public void cancel() {}
              };
          subscriber.onSubscribe(upstream[0]);
        };
    List<String> seen = new CopyOnWriteArrayList<>();
    SubscriptionGroup.Key key =
        new SubscriptionGroup.Key("subscription { z }", null, "{}", "admin");
    SubscriptionGroup group = groups.join(key, member(seen)).group();
    group.stream(events);
    for (int i = 1; i <= 3; i++) {
      outstanding[0]--;
      group.onNext(ExecutionResultImpl.newExecutionResult().data(Map.of("z", i)).build());
    }
    // Three arrived before any hand-out: each asked for the next, one at a time.
    assertThat(demand).containsExactly(1L, 1L, 1L, 1L);
    while (!fanOut.isEmpty()) {
      fanOut.poll().run();
    }
    assertThat(seen)
        .containsExactly(
            "next {\"data\":{\"z\":1}}", "next {\"data\":{\"z\":2}}", "next {\"data\":{\"z\":3}}");
    assertThat(demand).as("no more asked for by the hand-out").hasSize(4);
  }

  private static SubscriptionGroup.Member member(List<String> seen) {
    return recorder(seen, false);
  }

  /** A member that records what each hand-out gave it in one call. */
  private static SubscriptionGroup.Member batchMember(List<String> seen) {
    return recorder(seen, true);
  }

  private static SubscriptionGroup.Member recorder(List<String> seen, boolean batches) {
    return new SubscriptionGroup.Member() {
      @Override
      public void next(byte[] payload) {
        seen.add("next " + new String(payload, StandardCharsets.UTF_8));
      }

      @Override
      public void nextAll(List<byte[]> payloads) {
        if (!batches) {
          SubscriptionGroup.Member.super.nextAll(payloads);
          return;
        }
        seen.add(
            "batch "
                + String.join(
                    " ",
                    payloads.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList()));
      }

      @Override
      public void error(JsonArray errors) {
        seen.add("error " + errors.encode());
      }

      @Override
      public void complete() {
        seen.add("complete");
      }
    };
  }

  /** Sends the results as far as asked, then completes. */
  @SafeVarargs
  private static Publisher<ExecutionResult> eventsThenComplete(Map<String, Object>... data) {
    return subscriber ->
        subscriber.onSubscribe(
            new Subscription() {
              private int sent;

              @Override
              public void request(long n) {
                for (long i = 0; i < n && sent < data.length; i++) {
                  subscriber.onNext(
                      ExecutionResultImpl.newExecutionResult().data(data[sent++]).build());
                }
                if (sent == data.length) {
                  sent++;
                  subscriber.onComplete();
                }
              }

              @Override
              public void cancel() {}
            });
  }
}
