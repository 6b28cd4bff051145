package io.opencdi.gateway.db;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Events between gateway replicas through PostgreSQL LISTEN/NOTIFY: every replica hears every
 * event, so a subscriber on any replica sees changes made on any other, and a command reaches the
 * replica that holds the agent's channel. No infrastructure beyond the database is needed.
 */
@ApplicationScoped
public class Notifications {
  /** Events one subscription may fall behind before it fails (see DesktopEventBus#stream). */
  public static final int SUBSCRIBER_BUFFER = 4096;

  private static final Logger LOG = Logger.getLogger(Notifications.class);

  private final Pool pool;
  private final Vertx vertx;
  private final DatabaseAddress database;
  private final Map<String, List<Consumer<JsonObject>>> listeners = new ConcurrentHashMap<>();
  private final Map<String, List<Runnable>> listening = new ConcurrentHashMap<>();
  private PgSubscriber subscriber;

  public Notifications(Pool pool, Vertx vertx, DatabaseAddress database) {
    this.pool = pool;
    this.vertx = vertx;
    this.database = database;
  }

  void onStart(@Observes StartupEvent event) {
    subscriber = PgSubscriber.subscriber(vertx, database.options());
    // Reconnect for ever: a replica that stops hearing events would serve stale subscriptions.
    subscriber.reconnectPolicy(retries -> 500L);
    for (String channel : Channels.ALL) {
      subscriber
          .channel(channel)
          .handler(payload -> dispatch(channel, payload))
          .subscribeHandler(
              () -> {
                LOG.debugf("listening on %s", channel);
                listening.getOrDefault(channel, List.of()).forEach(Runnable::run);
              });
    }
    subscriber.connect().await().indefinitely();
  }

  void onStop(@Observes ShutdownEvent event) {
    if (subscriber != null) {
      subscriber.close().await().indefinitely();
    }
  }

  /** Registers a consumer of one channel's events on this replica. */
  public void listen(String channel, Consumer<JsonObject> consumer) {
    listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(consumer);
  }

  /**
   * Runs {@code action} each time this replica starts listening on {@code channel}: at start and
   * after a lost connection, when notifications sent in between were missed.
   */
  public void whenListening(String channel, Runnable action) {
    listening.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(action);
  }

  /** Sends an event to every replica (this one included), after the caller's commit. */
  public Uni<Void> publish(String channel, JsonObject event) {
    return publish(channel, event.encode());
  }

  /**
   * Sends an event already encoded as the JSON text of one object (a typed record's own encoding)
   * to every replica, after the caller's commit; listeners see it as a {@link JsonObject}.
   */
  public Uni<Void> publish(String channel, String event) {
    return pool.preparedQuery("select pg_notify($1, $2)")
        .execute(Tuple.of(channel, event))
        .replaceWithVoid();
  }

  /**
   * Sends events to every replica in one round trip, in order, after the caller's commit. They
   * travel packed into few NOTIFY payloads ({@link NotifyPayloads}); listeners see them one by one.
   */
  public Uni<Void> publishAll(String channel, List<JsonObject> events) {
    if (events.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    List<String> payloads =
        NotifyPayloads.pack(events.stream().map(JsonObject::encode).toList(), NotifyPayloads.LIMIT);
    // One statement is one transaction: PostgreSQL delivers its notifications in the order sent.
    return pool.preparedQuery("select pg_notify($1, p) from unnest($2::text[]) as p")
        .execute(Tuple.of(channel, payloads.toArray(String[]::new)))
        .replaceWithVoid();
  }

  private void dispatch(String channel, String payload) {
    JsonObject event;
    try {
      event = new JsonObject(payload);
    } catch (RuntimeException e) {
      LOG.warnf("ignoring malformed event on %s", channel);
      return;
    }
    if (event.getValue(NotifyPayloads.BATCH) instanceof JsonArray batch) {
      for (Object each : batch) {
        if (each instanceof JsonObject one) {
          deliver(channel, one);
        }
      }
      return;
    }
    deliver(channel, event);
  }

  private void deliver(String channel, JsonObject event) {
    for (Consumer<JsonObject> consumer : listeners.getOrDefault(channel, List.of())) {
      try {
        consumer.accept(event);
      } catch (RuntimeException e) {
        LOG.warnf(e, "event consumer on %s failed", channel);
      }
    }
  }
}
