package io.opencdi.gateway.cluster;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A cluster an administrator registered, and the hash of its one-time join token. */
@Entity
@Table(name = "cluster_registration")
public class ClusterRegistrationEntity {
  @Id public String name;

  @Column(name = "join_token_hash")
  public String joinTokenHash;

  @Column(name = "registered_by")
  public UUID registeredBy;

  @Column(name = "created_at")
  public OffsetDateTime createdAt;

  /** When an agent joined the cluster with the token; null while the token is unused. */
  @Column(name = "joined_at")
  public OffsetDateTime joinedAt;

  @Column(name = "agent_id")
  public UUID agentId;
}
