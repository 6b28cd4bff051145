package io.opencdi.gateway.desktop;

import io.opencdi.protocol.CommandKind;
import io.smallrye.mutiny.Uni;
import java.util.UUID;

/**
 * A placement backend that carries out the desktop commands of its clusters itself, instead of
 * sending them to an agent over its link. The only one is Karmada ({@code opencdi.karmada}).
 *
 * <p>A direct command is applied inside the desktop's transaction, before it commits: when the
 * backend cannot be reached the request fails and nothing is changed, exactly as for any other
 * error. The agent path cannot work that way (the agent may be away; it converges on its return).
 */
public interface DirectCommands {

  /** Whether this backend serves {@code clusterId}; its commands then never go to an agent. */
  boolean serves(UUID clusterId);

  /**
   * Applies {@code kind} to {@code desktop} as it will be committed (its power, cluster and spec
   * already changed). Fails with an {@link io.opencdi.gateway.common.ApiException} when the backend
   * refused or could not be reached.
   */
  Uni<Void> apply(DesktopEntity desktop, CommandKind kind);

  /**
   * After the desktop's transaction committed: what an agent's acknowledgement would do (a created
   * or started desktop becomes {@code SCHEDULED}), and whatever the backend learnt while applying
   * (a desktop that was already gone there is {@code DELETED}).
   */
  Uni<Void> committed(UUID desktopId, CommandKind kind);

  /**
   * Takes back what {@link #apply} wrote for a desktop whose transaction then failed. Best effort:
   * it is logged, never thrown.
   */
  Uni<Void> undo(UUID desktopId, UUID clusterId);
}
