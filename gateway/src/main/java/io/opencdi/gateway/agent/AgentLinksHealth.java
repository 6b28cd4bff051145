package io.opencdi.gateway.agent;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the agent links this replica holds. A gateway without agents is still ready: agents may
 * be connected to other replicas, and users can still sign in and read the inventory.
 */
@Readiness
@ApplicationScoped
public class AgentLinksHealth implements HealthCheck {
  private final AgentLinks links;

  public AgentLinksHealth(AgentLinks links) {
    this.links = links;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("agent-links")
        .up()
        .withData("connectedAgents", links.connectedAgents())
        .build();
  }
}
