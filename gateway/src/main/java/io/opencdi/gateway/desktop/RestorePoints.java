package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.Caller;
import io.smallrye.mutiny.Uni;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Where a restored desktop's home comes from. The snapshot feature answers it (it reads and locks
 * its own table), so the desktop lifecycle does not depend on snapshots, only snapshots on it.
 */
public interface RestorePoints {
  /**
   * The caller's READY snapshot, read-locked in {@code s}'s transaction so that it cannot be
   * deleted while a desktop is restored from it; fails with NOT_FOUND for a snapshot that is
   * missing or someone else's and INVALID_STATE for one that is not READY.
   */
  Uni<RestorePoint> lockReady(Mutiny.Session s, Caller caller, UUID snapshotId);

  /**
   * A READY snapshot of the home volume of {@code desktopId}, kept in cluster {@code clusterId}.
   */
  record RestorePoint(UUID id, String name, UUID ownerId, UUID desktopId, UUID clusterId) {}
}
