package io.opencdi.gateway.testing;

import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real PostgreSQL from the embedded binaries, fresh for the test run, and signing keys for the
 * built-in user store. Also registers an agent token that tests' agents use.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {
  /** Token of the agent registered for tests; generated per run, never a fixed secret. */
  public static final String AGENT_TOKEN = io.opencdi.gateway.auth.AgentTokens.generate();

  private EmbeddedPostgres postgres;

  @Override
  public Map<String, String> start() {
    try {
      Path dir = Files.createTempDirectory("opencdi-test");
      // Not durable: the test run's data is thrown away, and fsync costs every test time.
      postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true, false);
      Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
      config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
      config.put("opencdi.agents.bootstrap-token", AGENT_TOKEN);
      config.put("opencdi.agents.bootstrap-agent-name", "test-agent");
      // As in the embedded default, the tests' own agent registers the clusters it announces.
      config.put("opencdi.agents.bootstrap-claims", "true");
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }
}
