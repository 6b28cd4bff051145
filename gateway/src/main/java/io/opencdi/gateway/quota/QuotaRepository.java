package io.opencdi.gateway.quota;

import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.db.Db;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.LockMode;
import org.hibernate.reactive.mutiny.Mutiny;

/** Users' own limits, and what users hold against their quotas. */
@ApplicationScoped
public class QuotaRepository {
  private final Db db;
  private final Quotas quotas;

  public QuotaRepository(Db db, Quotas quotas) {
    this.db = db;
    this.quotas = quotas;
  }

  /** A user's effective limits and what they hold now. */
  public record Held(QuotaLimits limits, Quotas.Usage desktops, long snapshots) {}

  /**
   * Gives the user {@code username} limits of their own (null: the default), under their row's
   * lock, the one that serialises their creations and power-ons; no such user: {@code NOT_FOUND}.
   */
  public Uni<User> setLimits(
      String username,
      Integer maxDesktops,
      Long maxCpuMillis,
      Long maxMemoryMiB,
      Integer maxSnapshots) {
    return db.transaction(
        s ->
            s.createSelectionQuery("from UserEntity where username = :u", UserEntity.class)
                .setParameter("u", username)
                .setLockMode(LockMode.PESSIMISTIC_WRITE)
                .getSingleResultOrNull()
                .map(
                    u -> {
                      if (u == null) {
                        throw new NotFoundException("no user named '" + username + "'");
                      }
                      u.maxDesktops = maxDesktops;
                      u.maxCpuMillis = maxCpuMillis;
                      u.maxMemoryMiB = maxMemoryMiB;
                      u.maxSnapshots = maxSnapshots;
                      return User.from(u);
                    }));
  }

  /**
   * The limits and holdings of the users of {@code ids} that exist, by id: one session and three
   * queries for the whole batch.
   */
  public Uni<Map<UUID, Held>> held(List<UUID> ids) {
    return db.session(
        s ->
            s.createSelectionQuery("from UserEntity where id in :ids", UserEntity.class)
                .setParameter("ids", ids)
                .getResultList()
                .flatMap(
                    found ->
                        desktopUsage(s, ids)
                            .flatMap(
                                desktops ->
                                    snapshotUsage(s, ids)
                                        .map(snaps -> held(found, desktops, snaps)))));
  }

  private Map<UUID, Held> held(
      List<UserEntity> found, Map<UUID, Object[]> desktops, Map<UUID, Long> snapshots) {
    Map<UUID, Held> byId = new HashMap<>();
    for (UserEntity u : found) {
      Object[] d = desktops.getOrDefault(u.id, new Object[] {u.id, 0L, 0L, 0L});
      byId.put(
          u.id,
          new Held(
              quotas.of(u),
              new Quotas.Usage(
                  ((Number) d[1]).longValue(),
                  ((Number) d[2]).longValue(),
                  ((Number) d[3]).longValue()),
              snapshots.getOrDefault(u.id, 0L)));
    }
    return byId;
  }

  private static Uni<Map<UUID, Object[]>> desktopUsage(Mutiny.Session s, List<UUID> ids) {
    return s.createSelectionQuery(
            "select d.ownerId, count(d), coalesce(sum(case when d.holdsCapacity then d.cpuMillis"
                + " else 0 end), 0), coalesce(sum(case when d.holdsCapacity then d.memoryMiB else"
                + " 0 end), 0) from DesktopEntity d where d.ownerId in :ids and d.state <> :deleted"
                + " group by d.ownerId",
            Object[].class)
        .setParameter("ids", ids)
        .setParameter("deleted", DesktopState.DELETED)
        .getResultList()
        .map(
            rows -> {
              Map<UUID, Object[]> m = new HashMap<>();
              rows.forEach(r -> m.put((UUID) r[0], r));
              return m;
            });
  }

  private static Uni<Map<UUID, Long>> snapshotUsage(Mutiny.Session s, List<UUID> ids) {
    return s.createSelectionQuery(
            // DELETING is SnapshotState's, named in the query (its type is the column's) so that
            // quota stays below the snapshot feature that asks it.
            "select x.ownerId, count(x) from SnapshotEntity x where x.ownerId in :ids and x.state"
                + " <> DELETING group by x.ownerId",
            Object[].class)
        .setParameter("ids", ids)
        .getResultList()
        .map(
            rows -> {
              Map<UUID, Long> m = new HashMap<>();
              rows.forEach(r -> m.put((UUID) r[0], ((Number) r[1]).longValue()));
              return m;
            });
  }
}
