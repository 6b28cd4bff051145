package io.opencdi.gateway.snapshot.api;

import io.opencdi.gateway.snapshot.SnapshotEntity;
import io.opencdi.gateway.snapshot.SnapshotState;
import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Type;

/** A snapshot as the API shows it. */
@Type("DesktopSnapshot")
@Description(
    "A point-in-time copy of a desktop's home volume, kept in the cluster that holds the volume."
        + " It outlives its desktop until it is deleted.")
public record DesktopSnapshot(
    @Id @NonNull String id,
    @NonNull String name,
    @Id @NonNull @Description("The desktop whose home volume was copied.") String desktopId,
    @NonNull SnapshotState state,
    @Description("Size in bytes of a volume restored from it, once READY.") Long sizeBytes,
    @Description("Why the snapshot FAILED.") String statusReason,
    @NonNull OffsetDateTime createdAt,
    @NonNull OffsetDateTime updatedAt) {

  public static DesktopSnapshot from(SnapshotEntity e) {
    return new DesktopSnapshot(
        e.id.toString(),
        e.name,
        e.desktopId.toString(),
        e.state,
        e.sizeBytes,
        e.statusReason,
        e.createdAt,
        e.updatedAt);
  }
}
