package io.opencdi.gateway.snapshot;

import org.eclipse.microprofile.graphql.Description;

/** Where a snapshot of a desktop's home volume stands. */
@Description("Where a snapshot of a desktop's home volume stands.")
public enum SnapshotState {
  /** Asked for; the cluster is taking the copy. */
  PENDING,
  /** Complete: desktops can be restored from it. */
  READY,
  /** The copy could not be taken (or deleted); statusReason says why. */
  FAILED,
  /** Being deleted in its cluster; it disappears once the cluster confirms. */
  DELETING
}
