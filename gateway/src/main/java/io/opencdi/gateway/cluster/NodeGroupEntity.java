package io.opencdi.gateway.cluster;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.UUID;

/** Capacity of one node group; see the migration for what the columns count. */
@Entity
@Table(name = "node_group")
public class NodeGroupEntity {
  @EmbeddedId public Key key;
  public String arch;

  @Column(name = "cpu_millis")
  public long cpuMillis;

  @Column(name = "memory_mib")
  public long memoryMiB;

  @Column(name = "max_desktops")
  public int maxDesktops;

  @Column(name = "external_cpu_millis")
  public long externalCpuMillis;

  @Column(name = "external_memory_mib")
  public long externalMemoryMiB;

  @Column(name = "used_cpu_millis")
  public long usedCpuMillis;

  @Column(name = "used_memory_mib")
  public long usedMemoryMiB;

  @Column(name = "used_desktops")
  public int usedDesktops;

  /** Primary key: the cluster and the group's name within it. */
  @Embeddable
  public record Key(@Column(name = "cluster_id") UUID clusterId, String name)
      implements Serializable {}
}
