package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.LockMode;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The statements of the single-desktop lifecycle (power-on, power-off, delete, restore) through
 * Hibernate Reactive, each run in the session its caller's transaction opened (ADR 0041). The
 * batched creations' statements are {@link CreationRepository}'s, the agents' reports' {@link
 * StatusRepository}'s.
 */
@ApplicationScoped
public class DesktopRepository {
  /** The desktop, its row locked until the transaction ends; null when there is none. */
  public Uni<DesktopEntity> lock(Mutiny.Session s, UUID id) {
    return s.find(DesktopEntity.class, id, LockMode.PESSIMISTIC_WRITE);
  }

  /**
   * The user, their row locked until the transaction ends; null when there is none. The lock
   * serialises one user's creations and power-ons, so quota checks cannot race each other.
   */
  public Uni<UserEntity> lockUser(Mutiny.Session s, UUID userId) {
    return s.find(UserEntity.class, userId, LockMode.PESSIMISTIC_WRITE);
  }

  /** What {@code ownerId} holds against their quota, leaving out the desktop {@code excluded}. */
  public Uni<Quotas.Usage> usage(Mutiny.Session s, UUID ownerId, UUID excluded) {
    // Two query texts rather than ":x is null or ...": PostgreSQL cannot type a null parameter.
    var query =
        s.createSelectionQuery(
                "select count(d), coalesce(sum(case when d.holdsCapacity then d.cpuMillis else 0"
                    + " end), 0), coalesce(sum(case when d.holdsCapacity then d.memoryMiB else 0"
                    + " end), 0) from DesktopEntity d where d.ownerId = :o and d.state <> :deleted"
                    + (excluded == null ? "" : " and d.id <> :x"),
                Object[].class)
            .setParameter("o", ownerId)
            .setParameter("deleted", DesktopState.DELETED);
    if (excluded != null) {
      query.setParameter("x", excluded);
    }
    return query
        .getSingleResult()
        .map(
            row ->
                new Quotas.Usage(
                    ((Number) row[0]).longValue(),
                    ((Number) row[1]).longValue(),
                    ((Number) row[2]).longValue()));
  }

  /** Whether a viewer of the desktop was seen after {@code since}. */
  public Uni<Boolean> viewedSince(Mutiny.Session s, UUID desktopId, OffsetDateTime since) {
    return s.createNativeQuery(
            "select count(*) from desktop_viewer_seen where desktop_id = ?1 and seen_at > ?2",
            Long.class)
        .setParameter(1, desktopId)
        .setParameter(2, since)
        .getSingleResult()
        .map(n -> n > 0);
  }
}
