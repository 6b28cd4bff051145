package io.opencdi.gateway.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded default database: a real PostgreSQL started from binaries on Maven Central, its data
 * directory kept on disk so that nothing is lost across restarts.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

  private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDir}; an existing cluster there is reused, a missing one is
   * created.
   *
   * @param clean start from an empty cluster (tests)
   */
  public static EmbeddedPostgres start(Path dataDir, boolean clean) {
    try {
      Files.createDirectories(dataDir.getParent());
      var postgres =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(clean)
              // More connections than the default 100: several gateways may share one database.
              .setServerConfig("max_connections", "300")
              .start();
      return new EmbeddedPostgres(postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** Quarkus datasource configuration pointing at this database. */
  public Map<String, String> datasourceConfig() {
    String hostPort = "localhost:" + port() + "/postgres";
    return Map.of(
        "quarkus.datasource.reactive.url",
        "postgresql://" + hostPort,
        "quarkus.datasource.jdbc.url",
        "jdbc:postgresql://" + hostPort,
        "quarkus.datasource.username",
        "postgres",
        "quarkus.datasource.password",
        "postgres");
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
