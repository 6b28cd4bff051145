package io.opencdi.gateway.agent;

import static io.opencdi.gateway.testing.GraphQL.loginAt;
import static io.opencdi.gateway.testing.GraphQL.runAt;
import static io.opencdi.gateway.testing.RawAgent.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.auth.KeyMaterial;
import io.opencdi.gateway.db.EmbeddedPostgres;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.RawAgent;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An administrator revokes the embedded default's own agent; the gateway process is stopped and
 * started again on the same database with the same bootstrap token, as {@code ./opencdi up} does.
 * The agent stays revoked: its token is refused at the handshake.
 */
class AgentRevocationRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @Test
  void aRevokedAgentStaysRevokedAfterTheGatewayRestarts() throws Exception {
    Path dir = Files.createTempDirectory("opencdi-revocation");
    String token = AgentTokens.generate();
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("postgres"), true)) {
      Map<String, String> config = new HashMap<>(postgres.datasourceConfig());
      config.putAll(KeyMaterial.ensure(dir.resolve("keys")));
      config.put("opencdi.agents.bootstrap-agent-name", "bundled");

      try (GatewayProcess gateway = GatewayProcess.start("revoking", config, token);
          RawAgent agent = connectWhenListening(gateway, token)) {
        agent.send(
            new Hello(
                ProtocolVersion.CURRENT,
                "bundled",
                "simulated",
                List.of(cluster("restart-1", "restart-region", 1)),
                List.of()));
        await().atMost(WAIT).until(() -> !agent.received(Welcome.class).isEmpty());
        gateway.awaitReady(WAIT);
        String admin = loginAt(gateway.port(), "admin");
        JsonPath r = runAt(gateway.port(), admin, "clusters", "RevokeAgent", "name", "bundled");
        assertThat(r.getBoolean("data.revokeAgent")).as(r.prettify()).isTrue();
        await().atMost(WAIT).until(() -> agent.closeCode() != null);
        assertThat(agent.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
      }

      try (GatewayProcess gateway = GatewayProcess.start("restarted", config, token);
          RawAgent agent = connectWhenListening(gateway, token)) {
        await().atMost(WAIT).until(() -> agent.closeCode() != null);
        assertThat(agent.closeCode()).as(gateway::log).isEqualTo(CloseCodes.UNAUTHORIZED);
        assertThat(agent.received(Welcome.class)).isEmpty();
      }
    }
  }

  /** Opens the control channel once the gateway listens (it starts before it is ready). */
  private static RawAgent connectWhenListening(GatewayProcess gateway, String token) {
    AtomicReference<RawAgent> agent = new AtomicReference<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              agent.set(RawAgent.connect(gateway.port(), token));
              return true;
            });
    return agent.get();
  }
}
