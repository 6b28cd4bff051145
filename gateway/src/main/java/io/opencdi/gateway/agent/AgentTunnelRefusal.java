package io.opencdi.gateway.agent;

import io.opencdi.protocol.TunnelRefused;
import java.util.UUID;

/**
 * An agent refused a display tunnel; fired as a CDI event for the display broker, which decides
 * what the waiting viewer is told.
 *
 * @param agentId the agent that sent the refusal (only the agent asked may refuse)
 * @param agentName its name, for the log of refused frames
 * @param refusal the frame
 */
public record AgentTunnelRefusal(UUID agentId, String agentName, TunnelRefused refusal) {}
