package io.opencdi.gateway.template;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A desktop template: what image runs with which resources and isolation. */
@Entity
@Table(name = "template")
public class TemplateEntity {
  @Id public UUID id;
  public String name;
  public String description;
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

  public String arch;

  @Column(name = "created_at")
  public OffsetDateTime createdAt;
}
