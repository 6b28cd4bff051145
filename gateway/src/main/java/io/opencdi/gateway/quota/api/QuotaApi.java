package io.opencdi.gateway.quota.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.graphql.PerItem;
import io.opencdi.gateway.quota.QuotaLimits;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.gateway.snapshot.SnapshotState;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.dataloader.Try;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Source;
import org.hibernate.LockMode;

/** Users' quotas: readable by the user and admins, set by admins. */
@GraphQLApi
public class QuotaApi {
  private static final int MAX_COUNT = 100_000;
  private static final long MAX_CPU_MILLIS = 100_000_000L;
  private static final long MAX_MEMORY_MIB = 1_000_000_000L;

  private final CallerResolver callers;
  private final Db db;
  private final Quotas quotas;
  private final Admission admission;

  public QuotaApi(CallerResolver callers, Db db, Quotas quotas, Admission admission) {
    this.callers = callers;
    this.db = db;
    this.quotas = quotas;
    this.admission = admission;
  }

  @Mutation("setUserQuota")
  @Description(
      "Sets a user's own limits (admin only). Limits left out return to the defaults. Lowering a"
          + " limit below what the user holds stops nothing: only new desktops, power-ons and"
          + " snapshots are refused until the user is back under it.")
  public Uni<@NonNull User> setUserQuota(@NonNull String username, @NonNull QuotaInput quota) {
    return admission.admit(
        () ->
            callers
                .caller()
                .map(Caller::requireAdmin)
                .invoke(c -> validate(username, quota))
                .flatMap(
                    c ->
                        db.transaction(
                            s ->
                                s.createSelectionQuery(
                                        "from UserEntity where username = :u", UserEntity.class)
                                    .setParameter("u", username)
                                    .setLockMode(LockMode.PESSIMISTIC_WRITE)
                                    .getSingleResultOrNull()
                                    .map(
                                        u -> {
                                          if (u == null) {
                                            throw new NotFoundException(
                                                "no user named '" + username + "'");
                                          }
                                          u.maxDesktops = quota.maxDesktops();
                                          u.maxCpuMillis = quota.maxCpuMillis();
                                          u.maxMemoryMiB = quota.maxMemoryMiB();
                                          u.maxSnapshots = quota.maxSnapshots();
                                          return User.from(u);
                                        }))));
  }

  @Description(
      "The user's quota and what they hold against it; readable by the user themselves and admins"
          + " (null with FORBIDDEN for anyone else).")
  public Uni<List<Quota>> quota(@Source List<User> users) {
    List<UUID> ids = users.stream().map(u -> UUID.fromString(u.id())).distinct().toList();
    return callers
        .caller()
        .flatMap(
            c ->
                db.session(
                        s ->
                            s.createSelectionQuery(
                                    "from UserEntity where id in :ids", UserEntity.class)
                                .setParameter("ids", ids)
                                .getResultList()
                                .flatMap(
                                    found ->
                                        desktopUsage(s, ids)
                                            .flatMap(
                                                desktops ->
                                                    snapshotUsage(s, ids)
                                                        .map(
                                                            snaps ->
                                                                answer(
                                                                    c, users, found, desktops,
                                                                    snaps)))))
                    .map(PerItem::results));
  }

  private List<Try<Quota>> answer(
      Caller caller,
      List<User> users,
      List<UserEntity> found,
      Map<UUID, Object[]> desktops,
      Map<UUID, Long> snapshots) {
    Map<UUID, UserEntity> byId = new HashMap<>();
    found.forEach(u -> byId.put(u.id, u));
    return users.stream()
        .map(
            user -> {
              UUID id = UUID.fromString(user.id());
              UserEntity u = byId.get(id);
              if (!caller.mayActOn(id)) {
                return Try.<Quota>failed(
                    new ForbiddenException("only the user and admins may read a user's quota"));
              }
              if (u == null) {
                return Try.<Quota>failed(new NotFoundException("no user with id " + id));
              }
              QuotaLimits q = quotas.of(u);
              Object[] d = desktops.getOrDefault(id, new Object[] {id, 0L, 0L, 0L});
              return Try.succeeded(
                  new Quota(
                      q.maxDesktops(),
                      q.maxCpuMillis(),
                      q.maxMemoryMiB(),
                      q.maxSnapshots(),
                      q.custom(),
                      (int) ((Number) d[1]).longValue(),
                      ((Number) d[2]).longValue(),
                      ((Number) d[3]).longValue(),
                      snapshots.getOrDefault(id, 0L).intValue()));
            })
        .toList();
  }

  private static Uni<Map<UUID, Object[]>> desktopUsage(
      org.hibernate.reactive.mutiny.Mutiny.Session s, List<UUID> ids) {
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

  private static Uni<Map<UUID, Long>> snapshotUsage(
      org.hibernate.reactive.mutiny.Mutiny.Session s, List<UUID> ids) {
    return s.createSelectionQuery(
            "select x.ownerId, count(x) from SnapshotEntity x where x.ownerId in :ids and x.state"
                + " <> :deleting group by x.ownerId",
            Object[].class)
        .setParameter("ids", ids)
        .setParameter("deleting", SnapshotState.DELETING)
        .getResultList()
        .map(
            rows -> {
              Map<UUID, Long> m = new HashMap<>();
              rows.forEach(r -> m.put((UUID) r[0], ((Number) r[1]).longValue()));
              return m;
            });
  }

  private static void validate(String username, QuotaInput q) {
    TextInputs.username("username", username);
    range("maxDesktops", q.maxDesktops(), MAX_COUNT);
    range("maxCpuMillis", q.maxCpuMillis(), MAX_CPU_MILLIS);
    range("maxMemoryMiB", q.maxMemoryMiB(), MAX_MEMORY_MIB);
    range("maxSnapshots", q.maxSnapshots(), MAX_COUNT);
  }

  private static void range(String what, Number value, long max) {
    if (value != null && (value.longValue() < 0 || value.longValue() > max)) {
      throw new ValidationException(what + " must be between 0 and " + max + ", got " + value);
    }
  }
}
