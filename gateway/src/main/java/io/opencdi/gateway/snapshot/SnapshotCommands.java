package io.opencdi.gateway.snapshot;

import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.CommandRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Asks for a snapshot command to reach the agent of the snapshot's cluster, through the same NOTIFY
 * channel as desktop commands: the replica holding the agent's link sends it.
 */
@ApplicationScoped
public class SnapshotCommands {
  private final Notifications notifications;

  public SnapshotCommands(Notifications notifications) {
    this.notifications = notifications;
  }

  /** Requests {@code kind} (SNAPSHOT or DELETE_SNAPSHOT) for {@code snapshot}. */
  public Uni<Void> request(SnapshotEntity snapshot, CommandKind kind) {
    return notifications.publish(
        Channels.COMMAND,
        CommandRequest.snapshot(snapshot.desktopId, snapshot.clusterId, kind, snapshot.id)
            .encode());
  }
}
