package io.opencdi.gateway;

import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Starts the gateway. Without a configured database URL it starts the embedded default first: a
 * PostgreSQL in {@code opencdi.data-dir} and the built-in user store's signing keys beside it. The
 * resulting settings are passed as system properties, which Quarkus reads as configuration. The
 * database is a child of this process and stops when it ends, however it ends.
 */
@QuarkusMain
public final class GatewayMain {
  private static final String SMALLRYE_DOCUMENT_CACHE =
      "io.smallrye.graphql.execution.queryCacheMaxSize";

  private GatewayMain() {}

  public static void main(String... args) {
    if (setting("quarkus.datasource.reactive.url") == null) {
      Path dataDir = Path.of(orDefault(setting("opencdi.data-dir"), ".opencdi/data"));
      privateDirectory(dataDir);
      EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir.resolve("postgres"), false);
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "embedded-postgres-stop"));
      apply(postgres.datasourceConfig());
      if (setting("mp.jwt.verify.publickey.location") == null) {
        apply(KeyMaterial.ensure(dataDir.resolve("keys")));
      }
    }
    if (setting(SMALLRYE_DOCUMENT_CACHE) == null) {
      // SmallRye GraphQL's document cache is bounded by count (graphql/OperationTypeCache lets
      // in documents of at most 8 KiB): 256 of them, where its default of 2,048 would let a client
      // of many distinct documents hold far more memory than the gateway's own, sized cache.
      System.setProperty(SMALLRYE_DOCUMENT_CACHE, "256");
    }
    Quarkus.run(args);
  }

  /** The data directory holds the database's password, the signing key and agent tokens. */
  private static void privateDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dir, e);
    }
  }

  private static String setting(String key) {
    String value = System.getProperty(key);
    if (value == null) {
      value = System.getenv(key.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
    }
    return value;
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void apply(Map<String, String> config) {
    config.forEach(System::setProperty);
  }
}
