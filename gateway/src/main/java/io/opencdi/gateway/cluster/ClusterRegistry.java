package io.opencdi.gateway.cluster;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.common.ConflictException;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.db.Db;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Clusters an administrator registered. Registering a name issues a join token, shown once and
 * stored as SHA-256: the first agent whose Hello presents it for that name takes the cluster, and
 * the token joins nothing after that.
 */
@ApplicationScoped
public class ClusterRegistry {
  /** A DNS label: cluster names end up in labels, logs and URLs. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final Db db;

  public ClusterRegistry(Db db) {
    this.db = db;
  }

  /** A registration: the cluster's name and its join token in clear, which is not kept. */
  public record Registration(String name, String joinToken) {}

  /**
   * Registers {@code name} and issues its join token. Registering again a name that has not joined
   * yet replaces the token (the first one is lost or leaked); a name that joined, or that a cluster
   * already has, is a conflict, except a cluster Karmada reports that has no tunnel-only agent yet:
   * the token joins that agent.
   */
  public Uni<Registration> register(String name, UUID registeredBy) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ValidationException(
          "a cluster name is 1 to 63 lower-case letters, digits and '-', starting and ending with a"
              + " letter or digit");
    }
    String token = "ocdj_" + AgentTokens.generate().substring("ocdi_".length());
    return db.transaction(
        s ->
            // A cluster Karmada reports may still get its tunnel-only agent (ADR 0048).
            s.createSelectionQuery(
                    "select count(*) from ClusterEntity where name = :n and not (runtime = :karmada"
                        + " and agentId is null and tunnelAgentId is null)",
                    Long.class)
                .setParameter("n", name)
                .setParameter("karmada", ClusterEntity.KARMADA)
                .getSingleResult()
                .flatMap(
                    clusters ->
                        s.find(
                                ClusterRegistrationEntity.class,
                                name,
                                LockModeType.PESSIMISTIC_WRITE)
                            .flatMap(
                                existing -> {
                                  if (clusters > 0
                                      || (existing != null && existing.joinedAt != null)) {
                                    throw new ConflictException(
                                        "cluster " + name + " is registered and joined already");
                                  }
                                  ClusterRegistrationEntity r =
                                      existing == null ? new ClusterRegistrationEntity() : existing;
                                  r.name = name;
                                  r.joinTokenHash = AgentTokens.hash(token);
                                  r.registeredBy = registeredBy;
                                  r.createdAt = OffsetDateTime.now();
                                  return existing == null
                                      ? s.persist(r)
                                      : Uni.createFrom().voidItem();
                                }))
                .replaceWith(new Registration(name, token)));
  }

  /** What {@link #join} decided about a cluster not in the inventory yet. */
  public enum Join {
    /** The token matched: the cluster now belongs to the agent. */
    JOINED,
    /** Nobody registered the name. */
    NOT_REGISTERED,
    /** The name is registered, but no presented token is its unused join token. */
    NO_VALID_TOKEN
  }

  /**
   * Joins {@code name} to {@code agentId} in the caller's transaction if one of {@code tokenHashes}
   * is the name's unused join token. The registration row is locked, so two agents presenting the
   * same token at once cannot both join.
   */
  public Uni<Join> join(
      Mutiny.Session s, String name, UUID agentId, Collection<String> tokenHashes) {
    return s.find(ClusterRegistrationEntity.class, name, LockModeType.PESSIMISTIC_WRITE)
        .map(
            r -> {
              if (r == null) {
                return Join.NOT_REGISTERED;
              }
              if (r.joinedAt != null || !tokenHashes.contains(r.joinTokenHash)) {
                return Join.NO_VALID_TOKEN;
              }
              r.joinedAt = OffsetDateTime.now();
              r.agentId = agentId;
              return Join.JOINED;
            });
  }
}
