package io.opencdi.protocol;

import java.util.List;

/**
 * The gateway's answer to {@link Hello}: the heartbeat interval it expects and the desired state of
 * every desktop it has assigned to the agent's clusters. The agent converges on that list: it
 * starts what should run, stops what should be off, and deletes what the gateway no longer knows.
 *
 * @param protocolVersion the protocol version the gateway speaks
 * @param heartbeatSeconds how often the agent must send a {@link Heartbeat}
 * @param desired every desktop placed on the agent's clusters that is not deleted
 */
public record Welcome(int protocolVersion, int heartbeatSeconds, List<DesktopSpec> desired)
    implements Message {
  public Welcome {
    desired = List.copyOf(desired);
  }
}
