package io.opencdi.gateway.snapshot;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The snapshot feature's statements (HQL through Hibernate Reactive, ADR 0041), each run in the
 * session its caller's unit of work opened.
 */
@ApplicationScoped
public class SnapshotRepository {
  /** Snapshots counted against the limits: those of an owner, and of one desktop among them. */
  public record Held(long ofOwner, long ofDesktop) {}

  /** What {@code ownerId} holds, and how much of it is {@code desktopId}'s; deletions left out. */
  public Uni<Held> held(Mutiny.Session s, UUID ownerId, UUID desktopId) {
    return s.createSelectionQuery(
            "select count(x), coalesce(sum(case when x.desktopId = :d then 1 else 0 end), 0)"
                + " from SnapshotEntity x where x.ownerId = :o and x.state <> :deleting",
            Object[].class)
        .setParameter("o", ownerId)
        .setParameter("d", desktopId)
        .setParameter("deleting", SnapshotState.DELETING)
        .getSingleResult()
        .map(row -> new Held(((Number) row[0]).longValue(), ((Number) row[1]).longValue()));
  }

  /** At most {@code limit} snapshots, newest first: every owner's when {@code ownerId} is null. */
  public Uni<List<SnapshotEntity>> newest(Mutiny.Session s, UUID ownerId, int limit) {
    var query =
        ownerId == null
            ? s.createSelectionQuery(
                "from SnapshotEntity order by createdAt desc, id", SnapshotEntity.class)
            : s.createSelectionQuery(
                    "from SnapshotEntity where ownerId = :o order by createdAt desc, id",
                    SnapshotEntity.class)
                .setParameter("o", ownerId);
    return query.setMaxResults(limit).getResultList();
  }

  /** The snapshots of these desktops, newest first. */
  public Uni<List<SnapshotEntity>> ofDesktops(Mutiny.Session s, Collection<UUID> desktopIds) {
    return s.createSelectionQuery(
            "from SnapshotEntity where desktopId in :ids order by createdAt desc, id",
            SnapshotEntity.class)
        .setParameter("ids", desktopIds)
        .getResultList();
  }

  /** Snapshots of these clusters whose command has not been confirmed: taken or being deleted. */
  public Uni<List<SnapshotEntity>> unconfirmed(Mutiny.Session s, Collection<UUID> clusterIds) {
    return s.createSelectionQuery(
            "from SnapshotEntity where clusterId in :c and state in (:p, :d)", SnapshotEntity.class)
        .setParameter("c", clusterIds)
        .setParameter("p", SnapshotState.PENDING)
        .setParameter("d", SnapshotState.DELETING)
        .getResultList();
  }
}
