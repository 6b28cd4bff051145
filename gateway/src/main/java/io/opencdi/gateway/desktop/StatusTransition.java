package io.opencdi.gateway.desktop;

import io.opencdi.protocol.DesktopState;

/**
 * What an observed state reported by an agent means for a desktop's capacity accounting. Pure
 * logic, kept apart so the rules can be read and tested in one place.
 *
 * @param state the state to record
 * @param holdsCapacity whether the desktop's resources count as used afterwards
 * @param release whether the node group must give the resources back now
 * @param take whether the node group must count the resources now (a desktop found running that
 *     held nothing, for example after an agent reconnects with desktops the gateway had released)
 * @param homeVolumeCreated whether the desktop's home volume now exists on its cluster
 */
public record StatusTransition(
    DesktopState state,
    boolean holdsCapacity,
    boolean release,
    boolean take,
    boolean homeVolumeCreated) {

  /** The effect of {@code reported} on a desktop that {@code heldCapacity} before. */
  public static StatusTransition of(boolean heldCapacity, DesktopState reported) {
    boolean holdsAfter =
        switch (reported) {
          case PENDING, SCHEDULED, STARTING, RUNNING, STOPPING -> true;
          case STOPPED, FAILED, DELETED -> false;
        };
    return new StatusTransition(
        reported,
        holdsAfter,
        heldCapacity && !holdsAfter,
        !heldCapacity && holdsAfter,
        reported == DesktopState.RUNNING);
  }
}
