package io.opencdi.gateway.cluster;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A member cluster as its agent last reported it, plus the admin's cordon flag. Updates write only
 * the columns they change, so an agent's capacity report never writes back a cordon flag it read
 * before an admin changed it.
 */
@Entity
@DynamicUpdate
@Table(name = "cluster")
public class ClusterEntity {
  /** The runtime of clusters Karmada reports; they have no owning agent (ADR 0015). */
  public static final String KARMADA = "karmada";

  @Id public UUID id;
  public String name;

  @Column(name = "agent_id")
  public UUID agentId;

  /**
   * The tunnel-only agent of a cluster Karmada reports (ADR 0048): it serves the cluster's tunnels,
   * live queries and snapshots; null for agents' clusters and Karmada clusters without one.
   */
  @Column(name = "tunnel_agent_id")
  public UUID tunnelAgentId;

  /** The agent link whose Hello last announced the cluster; null for clusters without an agent. */
  @Column(name = "link_id")
  public UUID linkId;

  public String runtime;
  public String region;
  public String zone;
  public boolean ready;
  public boolean cordoned;

  @Column(name = "heartbeat_at")
  public OffsetDateTime heartbeatAt;

  @JdbcTypeCode(SqlTypes.ARRAY)
  public String[] architectures;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "runtime_classes")
  public String[] runtimeClasses;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "storage_classes")
  public String[] storageClasses;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "cached_images")
  public String[] cachedImages;

  @Column(name = "updated_at")
  public OffsetDateTime updatedAt;

  /**
   * The agent that serves the cluster's tunnels: its owner, or for a Karmada cluster its
   * tunnel-only agent; null when none may.
   */
  public UUID tunnelAgent() {
    return agentId != null ? agentId : tunnelAgentId;
  }

  /** Karmada reports the cluster and carries its desktops' commands. */
  public boolean fedByKarmada() {
    return agentId == null && KARMADA.equals(runtime);
  }
}
