package io.opencdi.gateway.db;

import io.quarkus.runtime.ShutdownEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A few database connections of their own for the control plane's smallest, most urgent writes
 * (agents' heartbeats). On the shared pool they would wait behind every request in a burst, and a
 * fleet whose heartbeats are late looks dead to placement.
 */
@ApplicationScoped
public class ControlPool {
  private final Pool pool;

  public ControlPool(
      Vertx vertx,
      DatabaseAddress database,
      @ConfigProperty(name = "opencdi.db.control-pool-size", defaultValue = "2") int size) {
    this.pool =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(Math.max(1, size)))
            .connectingTo(database.options())
            .using(vertx)
            .build();
  }

  public Pool pool() {
    return pool;
  }

  void onStop(@Observes ShutdownEvent event) {
    pool.closeAndAwait();
  }
}
