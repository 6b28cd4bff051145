package io.opencdi.agent.link;

import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the control channel is open and the gateway has welcomed the agent. */
@Readiness
@Singleton
public class LinkReadinessCheck implements HealthCheck {
  private final GatewayLink link;

  LinkReadinessCheck(GatewayLink link) {
    this.link = link;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("gateway-link")
        .status(link.isWelcomed())
        .withData("state", link.state().name())
        .withData("gateway", link.gatewayUri().toString())
        .withData("agent", link.agentId())
        .build();
  }
}
