package io.opencdi.gateway.desktop;

import io.opencdi.gateway.events.Channels;
import io.opencdi.gateway.events.Notifications;
import io.opencdi.protocol.CommandKind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Asks for a command to be sent to the agent of a desktop's cluster. The agent's link may be held
 * by any replica, so the request goes through the database's NOTIFY; the holder sends it.
 */
@ApplicationScoped
public class DesktopCommands {
  private final Notifications notifications;

  public DesktopCommands(Notifications notifications) {
    this.notifications = notifications;
  }

  public Uni<Void> request(UUID desktopId, UUID clusterId, CommandKind kind) {
    return notifications.publish(
        Channels.COMMAND,
        new JsonObject()
            .put("desktopId", desktopId.toString())
            .put("clusterId", clusterId.toString())
            .put("kind", kind.name()));
  }
}
