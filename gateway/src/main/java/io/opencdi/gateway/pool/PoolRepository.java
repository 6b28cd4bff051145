package io.opencdi.gateway.pool;

import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.common.UniqueViolations;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The SQL of warm pools: the pools themselves and what their members are doing. */
@ApplicationScoped
public class PoolRepository {
  /** Room was released for the user on the cluster within the hold ($5 seconds). */
  private static final String RELIEVED_LATELY =
      "p.relieved_at >= now() - make_interval(secs => $5)";

  private static final String COLUMNS =
      "id, template_id, region, zone, size, status_reason, created_at, updated_at";

  /** Members that no user has claimed and that are not on their way out. */
  private static final String UNCLAIMED =
      "owner_id = '" + SystemUsers.WARM_POOLS + "' and not delete_requested and state <> 'DELETED'";

  /** How many of a pool's members are ready to hand over, and how many are on their way. */
  public record Counts(int ready, int starting) {
    public static final Counts NONE = new Counts(0, 0);
  }

  private final Pool pool;

  public PoolRepository(Pool pool) {
    this.pool = pool;
  }

  public Uni<List<WarmPool>> all() {
    return pool.query("select " + COLUMNS + " from desktop_pool order by created_at, id")
        .execute()
        .map(
            rows -> {
              List<WarmPool> out = new ArrayList<>();
              rows.forEach(r -> out.add(read(r)));
              return out;
            });
  }

  public Uni<WarmPool> find(UUID id) {
    return pool.preparedQuery("select " + COLUMNS + " from desktop_pool where id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : read(rows.iterator().next()));
  }

  public Uni<Boolean> templateExists(UUID templateId) {
    return pool.preparedQuery("select 1 from template where id = $1")
        .execute(Tuple.of(templateId))
        .map(rows -> rows.size() > 0);
  }

  /** Adds a pool; a pool of the same template and place exists already: {@code CONFLICT}. */
  public Uni<WarmPool> insert(UUID templateId, String region, String zone, int size) {
    return pool.preparedQuery(
            "insert into desktop_pool (id, template_id, region, zone, size)"
                + " values ($1, $2, $3, $4, $5) returning "
                + COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), templateId, region, zone, size))
        .map(rows -> read(rows.iterator().next()))
        .onFailure()
        .transform(
            UniqueViolations.asConflict(
                "a pool of this template exists in "
                    + region
                    + (zone == null ? "" : " / " + zone)
                    + "; change its size instead"));
  }

  /** The pool with its new size, or null when there is no such pool. */
  public Uni<WarmPool> resize(UUID id, int size) {
    return pool.preparedQuery(
            "update desktop_pool set size = $2, updated_at = now() where id = $1 returning "
                + COLUMNS)
        .execute(Tuple.of(id, size))
        .map(rows -> rows.size() == 0 ? null : read(rows.iterator().next()));
  }

  /**
   * Removes a pool. Its unclaimed members lose their pool and are deleted by the next keeping pass
   * (see {@link #orphans}); members users claimed are theirs and stay.
   *
   * @return whether there was such a pool
   */
  public Uni<Boolean> delete(UUID id) {
    return pool.preparedQuery("delete from desktop_pool where id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.rowCount() > 0);
  }

  /** Records why a pool is short of its size (null: it is not), without an update if unchanged. */
  public Uni<Void> reason(UUID id, String reason) {
    return pool.preparedQuery(
            "update desktop_pool set status_reason = $2"
                + " where id = $1 and status_reason is distinct from $2")
        .execute(Tuple.of(id, reason))
        .replaceWithVoid();
  }

  /** Ready and starting members of every pool that has any. */
  public Uni<Map<UUID, Counts>> counts() {
    return pool.query(
            "select pool_id,"
                + " count(*) filter (where state = 'RUNNING' and power = 'ON' and health = 'OK'),"
                + " count(*) filter (where state in ('PENDING', 'SCHEDULED', 'STARTING'))"
                + " from desktop where pool_id is not null and "
                + UNCLAIMED
                + " group by pool_id")
        .execute()
        .map(
            rows -> {
              Map<UUID, Counts> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getUUID(0), new Counts(r.getInteger(1), r.getInteger(2)));
              }
              return out;
            });
  }

  /**
   * A pool's unclaimed members that are not being deleted, each with whether it still has its
   * template's image and layers.
   */
  public Uni<List<PoolPlan.Member>> members(UUID poolId) {
    return pool.preparedQuery(
            "select id, state, health, created_at, exists (select 1 from desktop_pool p"
                + " join template t on t.id = p.template_id where p.id = $1"
                + " and t.image = desktop.image and t.app_layers = desktop.app_layers)"
                + " from desktop where pool_id = $1 and "
                + UNCLAIMED)
        .execute(Tuple.of(poolId))
        .map(
            rows -> {
              List<PoolPlan.Member> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new PoolPlan.Member(
                        r.getUUID(0),
                        DesktopState.valueOf(r.getString(1)),
                        DesktopHealth.valueOf(r.getString(2)),
                        r.getOffsetDateTime(3),
                        r.getBoolean(4)));
              }
              return out;
            });
  }

  /** Whether a user took a member of the pool within {@code wait}, by the database's clock. */
  public Uni<Boolean> claimedWithin(UUID poolId, Duration wait) {
    return pool.preparedQuery(
            "select coalesce(last_claimed_at > now() - make_interval(secs => $2), false)"
                + " from desktop_pool where id = $1")
        .execute(Tuple.of(poolId, wait.toMillis() / 1000.0))
        .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean(0));
  }

  /** Unclaimed members whose pool was deleted: nobody will claim them any more. */
  public Uni<List<UUID>> orphans(int limit) {
    return pool.preparedQuery(
            "select id from desktop where pool_id is null and " + UNCLAIMED + " limit $1")
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              List<UUID> out = new ArrayList<>();
              rows.forEach(r -> out.add(r.getUUID(0)));
              return out;
            });
  }

  /** Room users were refused on a cluster, still to be released, and whether it is recent. */
  public record Pressure(
      UUID clusterId, String region, long cpuMillis, long memoryMiB, boolean holding) {}

  /** Idle members per cluster, with each cluster's region: where room could be released. */
  public Uni<Map<UUID, String>> clustersWithIdleMembers() {
    return pool.query(
            "select c.id, c.region from cluster c where exists (select 1 from desktop"
                + " where cluster_id = c.id and pool_id is not null and holds_capacity and "
                + UNCLAIMED
                + ")")
        .execute()
        .map(
            rows -> {
              Map<UUID, String> out = new HashMap<>();
              rows.forEach(r -> out.put(r.getUUID(0), r.getString(1)));
              return out;
            });
  }

  /**
   * Records the room a user was refused on a cluster for the keeper to release there; a user's
   * repeated refusals count once, at their largest.
   */
  public Uni<Void> wanted(
      UUID clusterId, UUID ownerId, long cpuMillis, long memoryMiB, java.time.Duration hold) {
    return pool.preparedQuery(
            "insert into pool_pressure as p (cluster_id, owner_id, wanted_cpu_millis,"
                + " wanted_memory_mib, refused_at) values ($1, $2, $3, $4, now())"
                + " on conflict (cluster_id, owner_id) do update set"
                + " wanted_cpu_millis = case when "
                + RELIEVED_LATELY
                + " then p.wanted_cpu_millis"
                + " else greatest(p.wanted_cpu_millis, excluded.wanted_cpu_millis) end,"
                + " wanted_memory_mib = case when "
                + RELIEVED_LATELY
                + " then p.wanted_memory_mib"
                + " else greatest(p.wanted_memory_mib, excluded.wanted_memory_mib) end,"
                + " refused_at = now()")
        .execute(Tuple.of(clusterId, ownerId, cpuMillis, memoryMiB, hold.toMillis() / 1000.0))
        .replaceWithVoid();
  }

  /**
   * Every cluster's pressure: the room users want there less the room members already being deleted
   * there still hold (it comes free when the agent confirms); {@code holding} while the last
   * refusal is younger than {@code hold}. Pressure older than that with nothing left to release is
   * forgotten first.
   */
  public Uni<List<Pressure>> pressure(java.time.Duration hold) {
    double seconds = hold.toMillis() / 1000.0;
    return pool.preparedQuery(
            "delete from pool_pressure where refused_at < now() - make_interval(secs => $1)"
                + " and wanted_cpu_millis = 0 and wanted_memory_mib = 0")
        .execute(Tuple.of(seconds))
        .flatMap(
            v ->
                pool.preparedQuery(
                        "select p.cluster_id, c.region,"
                            + " greatest(sum(p.wanted_cpu_millis) - coalesce(r.cpu, 0), 0),"
                            + " greatest(sum(p.wanted_memory_mib) - coalesce(r.mem, 0), 0),"
                            + " bool_or(p.refused_at >= now() - make_interval(secs => $1))"
                            + " from pool_pressure p join cluster c on c.id = p.cluster_id"
                            + " left join lateral (select sum(d.cpu_millis) cpu,"
                            + " sum(d.memory_mib) mem from desktop d where d.cluster_id ="
                            + " p.cluster_id and d.owner_id = $2 and d.delete_requested"
                            + " and d.holds_capacity) r on true"
                            + " group by p.cluster_id, c.region, r.cpu, r.mem")
                    .execute(Tuple.of(seconds, SystemUsers.WARM_POOLS)))
        .map(
            rows -> {
              List<Pressure> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new Pressure(
                        r.getUUID(0), r.getString(1), r.getLong(2), r.getLong(3), r.getBoolean(4)));
              }
              return out;
            });
  }

  /** The keeper acted on a cluster's pressure: what users wanted there is being released. */
  public Uni<Void> relieved(UUID clusterId) {
    return pool.preparedQuery(
            "update pool_pressure set wanted_cpu_millis = 0, wanted_memory_mib = 0,"
                + " relieved_at = now() where cluster_id = $1"
                + " and (wanted_cpu_millis > 0 or wanted_memory_mib > 0)")
        .execute(Tuple.of(clusterId))
        .replaceWithVoid();
  }

  /** The idle members of every pool on one cluster that hold room there. */
  public Uni<List<Reclaim.Idle>> idleOn(UUID clusterId) {
    return pool.preparedQuery(
            "select id, state, cpu_millis, memory_mib, created_at from desktop"
                + " where cluster_id = $1 and pool_id is not null and holds_capacity and "
                + UNCLAIMED)
        .execute(Tuple.of(clusterId))
        .map(
            rows -> {
              List<Reclaim.Idle> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new Reclaim.Idle(
                        r.getUUID(0),
                        DesktopState.RUNNING.name().equals(r.getString(1)),
                        r.getLong(2),
                        r.getLong(3),
                        r.getOffsetDateTime(4)));
              }
              return out;
            });
  }

  private static WarmPool read(Row r) {
    return new WarmPool(
        r.getUUID("id"),
        r.getUUID("template_id"),
        r.getString("region"),
        r.getString("zone"),
        r.getInteger("size"),
        r.getString("status_reason"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("updated_at"));
  }
}
