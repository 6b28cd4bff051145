package io.opencdi.gateway.snapshot;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A snapshot of a desktop's home volume, kept in the cluster that holds the volume. */
@Entity
@Table(name = "desktop_snapshot")
public class SnapshotEntity {
  @Id public UUID id;
  public String name;

  @Column(name = "desktop_id")
  public UUID desktopId;

  @Column(name = "owner_id")
  public UUID ownerId;

  @Column(name = "cluster_id")
  public UUID clusterId;

  @Enumerated(EnumType.STRING)
  public SnapshotState state;

  @Column(name = "size_bytes")
  public Long sizeBytes;

  @Column(name = "status_reason")
  public String statusReason;

  @Column(name = "created_at")
  public OffsetDateTime createdAt;

  @Column(name = "updated_at")
  public OffsetDateTime updatedAt;
}
