package io.opencdi.gateway.agent;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A registered cluster agent and the hash of its token. */
@Entity
@Table(name = "agent")
public class AgentEntity {
  @Id public UUID id;
  public String name;

  @Column(name = "token_hash")
  public String tokenHash;

  public boolean revoked;

  @Column(name = "created_at")
  public OffsetDateTime createdAt;
}
