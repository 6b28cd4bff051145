package io.opencdi.gateway.desktop;

import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A desktop: what the user asked for, where it was placed and what its cluster reports. */
@Entity
@Table(name = "desktop")
public class DesktopEntity {
  @Id public UUID id;
  public String name;

  @Column(name = "owner_id")
  public UUID ownerId;

  @Column(name = "template_id")
  public UUID templateId;

  @Enumerated(EnumType.STRING)
  public DesktopState state;

  @Enumerated(EnumType.STRING)
  public Power power;

  @Column(name = "delete_requested")
  public boolean deleteRequested;

  /** Whether the desktop's cpu and memory are counted in its node group's used capacity. */
  @Column(name = "holds_capacity")
  public boolean holdsCapacity;

  @Column(name = "cluster_id")
  public UUID clusterId;

  @Column(name = "node_group")
  public String nodeGroup;

  @Column(name = "home_cluster_id")
  public UUID homeClusterId;

  public String image;

  @Column(name = "cpu_millis")
  public long cpuMillis;

  @Column(name = "memory_mib")
  public long memoryMiB;

  @Column(name = "runtime_class")
  public String runtimeClass;

  @Column(name = "storage_class")
  public String storageClass;

  @Column(name = "home_volume_gib")
  public int homeVolumeGiB;

  public String region;
  public String zone;

  @Column(name = "request_id")
  public String requestId;

  @Column(name = "status_reason")
  public String statusReason;

  /** How the desktop is doing over time, as its agent judged it last. */
  @Enumerated(EnumType.STRING)
  public DesktopHealth health = DesktopHealth.OK;

  @Column(name = "health_reason")
  public String healthReason;

  @Column(name = "placement_summary")
  public String placementSummary;

  /** The snapshot whose copy became this desktop's home volume, or null. */
  @Column(name = "restored_from")
  public UUID restoredFrom;

  /** The warm pool this desktop waits in, unclaimed; null once a user has it (ADR 0035). */
  @Column(name = "pool_id")
  public UUID poolId;

  /** Whether a user got this desktop from a warm pool rather than by a cold start. */
  @Column(name = "from_pool")
  public boolean fromPool;

  /**
   * Its application layers, lowest first, as {@link io.opencdi.gateway.applayer.LayerStack} keeps
   * them.
   */
  @Column(name = "app_layers")
  public String appLayers = "[]";

  @Column(name = "created_at")
  public OffsetDateTime createdAt;

  @Column(name = "updated_at")
  public OffsetDateTime updatedAt;
}
