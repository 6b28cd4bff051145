package io.opencdi.gateway.auth;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A user of the built-in store (or a user first seen through an OIDC token). */
@Entity
@Table(name = "app_user")
public class UserEntity {
  @Id public UUID id;
  public String username;

  @Column(name = "password_hash")
  public String passwordHash;

  public String role;

  @Column(name = "max_desktops")
  public Integer maxDesktops;

  @Column(name = "max_cpu_millis")
  public Long maxCpuMillis;

  @Column(name = "max_memory_mib")
  public Long maxMemoryMiB;

  // Each quota column: null means the configured default (QuotaConfig) applies.
  @Column(name = "max_snapshots")
  public Integer maxSnapshots;

  @Column(name = "created_at")
  public OffsetDateTime createdAt;
}
