package io.opencdi.gateway.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings of the agents' control channel. */
@ConfigMapping(prefix = "opencdi.agents")
public interface AgentLinkConfig {
  /** How often agents send a heartbeat. */
  @WithDefault("5")
  int heartbeatSeconds();

  /**
   * The most desktop reports (statuses, command acks) of one agent applied in one transaction.
   * Reports that arrive while a batch is applied wait for the next one, up to this many.
   */
  @WithDefault("256")
  int reportBatch();

  /**
   * A token registered at start-up for an agent named {@code bootstrap-agent-name}. The embedded
   * default generates one per data directory so that its own agent can connect; in production the
   * chart sets it from a Secret for each new agent ({@code agents.bootstrap}, docs/deployment.md),
   * and the agent's cluster joins with the one-time token of {@code registerCluster}.
   */
  Optional<String> bootstrapToken();

  /**
   * An agent whose clusters must all be in this replica's placement snapshot before it reports
   * ready ({@code /q/health/ready}); the embedded default names its bundled agent. Unset: readiness
   * does not wait for any agent.
   */
  Optional<String> readyAgent();

  /**
   * Whether the agent of {@code bootstrap-token} may register the clusters it announces without a
   * join token. On in the embedded default, whose gateway starts that agent itself with a token
   * only the two share; off elsewhere, where every cluster joins with a token from {@code
   * registerCluster}. A name an administrator registered needs its token even so.
   */
  @WithDefault("false")
  boolean bootstrapClaims();

  /** Name of the agent that {@code bootstrap-token} belongs to. */
  @WithDefault("embedded")
  String bootstrapAgentName();
}
