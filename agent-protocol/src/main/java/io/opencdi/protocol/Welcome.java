package io.opencdi.protocol;

import java.util.List;

/**
 * The gateway's answer to {@link Hello}: the heartbeat interval it expects and the desired state of
 * every desktop it has assigned to the agent's clusters. The agent converges on that list: it
 * starts what should run, stops what should be off, and deletes what the gateway says it deleted. A
 * desktop the gateway neither lists nor names as deleted is left alone: only an explicit deletion
 * removes a user's data (a gateway restored from an older backup must not wipe newer desktops).
 *
 * @param protocolVersion the protocol version the gateway speaks
 * @param heartbeatSeconds how often the agent must send a {@link Heartbeat}
 * @param desired every desktop placed on the agent's clusters that is not deleted
 * @param deleted ids from the agent's inventory that the gateway deleted (or is deleting); absent
 *     from older gateways, which is read as none
 */
public record Welcome(
    int protocolVersion, int heartbeatSeconds, List<DesktopSpec> desired, List<String> deleted)
    implements Message {
  public Welcome {
    desired = List.copyOf(desired);
    deleted = deleted == null ? List.of() : List.copyOf(deleted);
  }
}
