package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.CommandRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a desktop's commands go. By default to the agent of its cluster: the agent's link may be
 * held by any replica, so the request goes through the database's NOTIFY and the holder sends it. A
 * cluster served by a {@link DirectCommands} backend (Karmada) instead gets the command applied
 * before the desktop's transaction commits ({@link #prepare}); after the commit it counts as
 * acknowledged, as an agent's ack would.
 */
@ApplicationScoped
public class DesktopCommands {
  private final Notifications notifications;
  private final Instance<DirectCommands> direct;

  public DesktopCommands(Notifications notifications, Instance<DirectCommands> direct) {
    this.notifications = notifications;
    this.direct = direct;
  }

  /**
   * Inside the desktop's transaction: applies the command now if a direct backend serves the
   * desktop's cluster (a failure then rolls the transaction back); otherwise does nothing.
   */
  public Uni<Void> prepare(DesktopEntity desktop, CommandKind kind) {
    return backend(desktop.clusterId)
        .map(b -> b.apply(desktop, kind))
        .orElseGet(() -> Uni.createFrom().voidItem());
  }

  /** After a failed transaction: takes back what {@link #prepare} applied for the desktop. */
  public Uni<Void> undo(UUID desktopId, UUID clusterId) {
    return backend(clusterId)
        .map(b -> b.undo(desktopId, clusterId))
        .orElseGet(() -> Uni.createFrom().voidItem());
  }

  /** After the commit: sends the command to the cluster's agent, or acknowledges a direct one. */
  public Uni<Void> request(UUID desktopId, UUID clusterId, CommandKind kind) {
    Optional<DirectCommands> backend = backend(clusterId);
    if (backend.isPresent()) {
      return backend.get().committed(desktopId, kind);
    }
    return notifications.publish(Channels.COMMAND, command(desktopId, clusterId, kind).encode());
  }

  /** Whether a direct backend, not an agent, carries out the commands of {@code clusterId}. */
  public boolean direct(UUID clusterId) {
    return backend(clusterId).isPresent();
  }

  /** The request to the replica holding the cluster's agent link to send it a command. */
  static CommandRequest command(UUID desktopId, UUID clusterId, CommandKind kind) {
    return CommandRequest.desktop(desktopId, clusterId, kind);
  }

  private Optional<DirectCommands> backend(UUID clusterId) {
    if (clusterId == null || direct.isUnsatisfied()) {
      return Optional.empty();
    }
    return direct.stream().filter(b -> b.serves(clusterId)).findFirst();
  }
}
