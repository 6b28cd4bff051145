package io.opencdi.gateway.snapshot;

import io.opencdi.gateway.events.Channels;
import io.opencdi.gateway.events.Notifications;
import io.opencdi.protocol.CommandKind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Asks for a snapshot command to reach the agent of the snapshot's cluster, through the same NOTIFY
 * channel as desktop commands: the replica holding the agent's link sends it.
 */
@ApplicationScoped
public class SnapshotCommands {
  /** The key that marks a command request as one about a snapshot. */
  public static final String SNAPSHOT_ID = "snapshotId";

  private final Notifications notifications;

  public SnapshotCommands(Notifications notifications) {
    this.notifications = notifications;
  }

  /** Requests {@code kind} (SNAPSHOT or DELETE_SNAPSHOT) for {@code snapshot}. */
  public Uni<Void> request(SnapshotEntity snapshot, CommandKind kind) {
    return notifications.publish(
        Channels.COMMAND,
        new JsonObject()
            .put("desktopId", snapshot.desktopId.toString())
            .put("clusterId", snapshot.clusterId.toString())
            .put(SNAPSHOT_ID, snapshot.id.toString())
            .put("kind", kind.name()));
  }
}
