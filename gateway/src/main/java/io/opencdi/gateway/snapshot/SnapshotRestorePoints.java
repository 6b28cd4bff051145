package io.opencdi.gateway.snapshot;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.common.InvalidStateException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.desktop.RestorePoints;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.hibernate.LockMode;
import org.hibernate.reactive.mutiny.Mutiny;

/** The snapshots a desktop may be restored from: the caller's own, and READY. */
@ApplicationScoped
public class SnapshotRestorePoints implements RestorePoints {
  @Override
  public Uni<RestorePoint> lockReady(Mutiny.Session s, Caller caller, UUID snapshotId) {
    return s.find(SnapshotEntity.class, snapshotId, LockMode.PESSIMISTIC_READ)
        .map(
            snap -> {
              // Someone else's snapshot is reported exactly like a missing one.
              if (snap == null || !caller.mayActOn(snap.ownerId)) {
                throw new NotFoundException("no snapshot with id " + snapshotId);
              }
              if (snap.state != SnapshotState.READY) {
                throw new InvalidStateException(
                    "the snapshot is " + snap.state + "; only a READY snapshot can be restored");
              }
              return new RestorePoint(
                  snap.id, snap.name, snap.ownerId, snap.desktopId, snap.clusterId);
            });
  }
}
