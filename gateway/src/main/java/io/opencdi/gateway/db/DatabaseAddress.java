package io.opencdi.gateway.db;

import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the gateway's database is, for the connections it opens beside Quarkus's pool: the
 * heartbeats' own pool and the LISTEN connection of replica events.
 */
@ApplicationScoped
public class DatabaseAddress {
  private final String url;
  private final String user;
  private final String password;

  public DatabaseAddress(
      @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
      @ConfigProperty(name = "quarkus.datasource.username") String user,
      @ConfigProperty(name = "quarkus.datasource.password") String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  /** Fresh options each time: callers may set more on them. */
  public PgConnectOptions options() {
    return PgConnectOptions.fromUri(url).setUser(user).setPassword(password);
  }
}
