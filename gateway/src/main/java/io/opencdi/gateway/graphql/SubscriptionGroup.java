package io.opencdi.gateway.graphql;

import graphql.ExecutionResult;
import io.quarkus.arc.InjectableContext;
import io.smallrye.graphql.execution.ExecutionResponse;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Identical subscriptions of one replica — same document, operation, variables and visibility — run
 * as one: the group executes each event once, serialises it once and hands the same bytes to every
 * member, each wrapped in its own {@code next} message. Visibility is part of the {@link Key}:
 * every admin sees the same events, a user only their own, so members of one group are entitled to
 * exactly the same answer and a refusal (another user's desktop) reaches only the members of the
 * group that asked for it. The group lives while it has members; it does not belong to the member
 * that started it.
 */
final class SubscriptionGroup implements GraphQLExecution.Target, Subscriber<ExecutionResult> {
  private static final Logger LOG = Logger.getLogger(SubscriptionGroup.class);

  /**
   * What makes subscriptions identical.
   *
   * @param visibility {@code admin} for every admin, {@code user:<id>} for one user: whose events
   *     the resolvers let through, and who the caller-dependent fields (live usage, nodes) answer
   */
  record Key(String query, String operationName, String variables, String visibility) {}

  /** A subscription of one connection that receives its group's messages. */
  interface Member {
    /** The group's payload of one event, serialised once for every member. */
    void next(byte[] payload);

    /** Several events in their order, handed out together: a connection writes them at once. */
    default void nextAll(List<byte[]> payloads) {
      payloads.forEach(this::next);
    }

    void error(JsonArray errors);

    void complete();
  }

  /**
   * Most events a group holds for its next hand-out. The next event is asked for as soon as one
   * arrives, not after its hand-out: those that arrive while a hand-out is under way go out
   * together at the next, so under load a member gets several events in one call (and its
   * connection one socket write) instead of the group falling behind one event at a time. One at a
   * time, though: graphql-java executes the events it was asked for concurrently and may finish
   * them out of order, so a group never has more than one in execution.
   */
  static final int IN_HAND = 256;

  private record Arrived(byte[] payload, long renderedNanos) {}

  private final Key key;
  private final SubscriptionGroups registry;
  private final SocketMeters meters;
  private final Executor fanOut;
  private final WriteBacklog backlog;
  private final Set<Member> members = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Subscription> upstream = new AtomicReference<>();
  private final AtomicReference<InjectableContext.ContextState> requestContext =
      new AtomicReference<>();
  private boolean ended; // guarded by this
  private List<Arrived> arrived = new ArrayList<>(); // guarded by this
  private boolean handOutQueued; // guarded by this
  // guarded by this: IN_HAND arrived, the next is asked for after the hand-out
  private boolean full;

  SubscriptionGroup(
      Key key,
      SubscriptionGroups registry,
      SocketMeters meters,
      Executor fanOut,
      WriteBacklog backlog) {
    this.key = key;
    this.registry = registry;
    this.meters = meters;
    this.fanOut = fanOut;
    this.backlog = backlog;
  }

  Key key() {
    return key;
  }

  int size() {
    return members.size();
  }

  /** Adds a member; false when the group has ended meanwhile (the caller starts a new one). */
  synchronized boolean join(Member member) {
    if (ended) {
      return false;
    }
    members.add(member);
    return true;
  }

  /** Removes a member; the last one out stops the group's execution. */
  void leave(Member member) {
    synchronized (this) {
      if (!members.remove(member) || !members.isEmpty() || ended) {
        return;
      }
      ended = true;
    }
    registry.remove(this);
    Subscription s = upstream.get();
    if (s != null) {
      s.cancel();
    }
    destroyContext();
  }

  private synchronized boolean isEnded() {
    return ended;
  }

  /** Ends the group once; returns the members to tell, or nothing when it had ended already. */
  private List<Member> end() {
    List<Member> told;
    synchronized (this) {
      if (ended) {
        return List.of();
      }
      ended = true;
      told = List.copyOf(members);
      members.clear();
    }
    registry.remove(this);
    return told;
  }

  @Override
  public void requestContext(InjectableContext.ContextState state) {
    requestContext.set(state);
    if (isEnded()) {
      destroyContext();
    }
  }

  private void destroyContext() {
    GraphQLExecution.destroy(requestContext.getAndSet(null));
  }

  @Override
  public void refused(JsonArray errors) {
    end().forEach(m -> m.error(errors));
    destroyContext();
  }

  @Override
  public void single(ExecutionResponse response) {
    byte[] payload = serialise(response);
    List<Member> told = end();
    told.forEach(m -> m.next(payload));
    told.forEach(Member::complete);
    destroyContext();
  }

  @Override
  public void stream(Publisher<ExecutionResult> events) {
    events.subscribe(this);
  }

  @Override
  public void failed(Throwable t) {
    if (isEnded()) {
      // Every subscriber left while the execution started, and leaving ended its request context
      // under it: nobody is told, and nothing went wrong for anyone.
      LOG.debugf("a GraphQL subscription nobody listens to any more failed: %s", t);
      destroyContext();
      return;
    }
    LOG.warn("a GraphQL subscription failed", t);
    JsonArray errors = GraphQLExecution.internalError();
    end().forEach(m -> m.error(errors));
    destroyContext();
  }

  @Override
  public void onSubscribe(Subscription subscription) {
    upstream.set(subscription);
    if (isEnded()) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(ExecutionResult result) {
    if (isEnded()) {
      return;
    }
    byte[] payload = serialise(new ExecutionResponse(result));
    boolean queue;
    boolean askNext;
    synchronized (this) {
      arrived.add(new Arrived(payload, System.nanoTime()));
      queue = !handOutQueued;
      handOutQueued = true;
      askNext = arrived.size() < IN_HAND;
      full = !askNext;
    }
    // Handed to the members on the fan-out thread (see SubscriptionGroups), with every event that
    // arrives before that hand-out runs; members get the group's events in order.
    if (queue) {
      handOut(this::handOutArrived);
    }
    if (askNext) {
      upstream.get().request(1);
    }
  }

  private void handOutArrived() {
    List<Arrived> batch;
    boolean askNext;
    synchronized (this) {
      batch = arrived;
      arrived = new ArrayList<>();
      handOutQueued = false;
      askNext = full;
      full = false;
    }
    long now = System.nanoTime();
    List<byte[]> payloads = new ArrayList<>(batch.size());
    for (Arrived a : batch) {
      meters.handedOut(now - a.renderedNanos());
      payloads.add(a.payload());
    }
    int n = 0;
    for (Member m : members) {
      backlog.awaitRoom();
      m.nextAll(payloads);
      n++;
    }
    for (int i = 0; i < batch.size(); i++) {
      meters.rendered(n);
    }
    // Members never hold the group up: each has its own bounded outbound queue.
    if (askNext) {
      upstream.get().request(1);
    }
  }

  // The end of the stream follows its events through the fan-out thread: a refusal is one event
  // and then `complete`, which must not overtake it.
  @Override
  public void onError(Throwable t) {
    handOut(() -> failed(t));
  }

  @Override
  public void onComplete() {
    handOut(
        () -> {
          end().forEach(Member::complete);
          destroyContext();
        });
  }

  /** Runs {@code step} on the fan-out thread, after the steps handed to it before. */
  private void handOut(Runnable step) {
    try {
      fanOut.execute(step);
    } catch (RejectedExecutionException stopping) {
      step.run(); // the gateway is stopping: no later step can overtake this one
    }
  }

  private static byte[] serialise(ExecutionResponse response) {
    return response.getExecutionResultAsString().getBytes(StandardCharsets.UTF_8);
  }
}
