package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.NodeGroupLocks;
import io.opencdi.protocol.DesktopHealth;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The statements that apply a batch of agents' reports ({@link DesktopStatusService}): set-based,
 * through the reactive client, each in the caller's transaction (ADR 0014, ADR 0025).
 */
@ApplicationScoped
public class StatusRepository {
  private static final String LOCK =
      "select " + DesktopRows.COLUMNS + " from desktop where id = any($1) order by id for update";
  private static final String UPDATE_DESKTOPS =
      "update desktop d set state = v.state, status_reason = v.reason, health = v.health,"
          + " health_reason = v.health_reason, holds_capacity = v.holds,"
          + " home_cluster_id = v.home, updated_at = v.at"
          + " from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
          + " $6::boolean[], $7::uuid[], $8::timestamptz[])"
          + " as v(id, state, reason, health, health_reason, holds, home, at)"
          + " where d.id = v.id";
  // A group gives back at most what it counts, as a release always did.
  private static final String UPDATE_CAPACITY =
      "update node_group g set used_cpu_millis = greatest(g.used_cpu_millis + v.cpu, 0),"
          + " used_memory_mib = greatest(g.used_memory_mib + v.mem, 0),"
          + " used_desktops = greatest(g.used_desktops + v.n, 0)"
          + " from unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[])"
          + " as v(cluster_id, name, cpu, mem, n)"
          + " where g.cluster_id = v.cluster_id and g.name = v.name";

  /**
   * The desktops of {@code ids}, their rows locked until the transaction ends. PostgreSQL locks
   * them in id order, so two batches never wait for each other in a cycle.
   */
  public Uni<RowSet<Row>> lock(SqlConnection tx, Collection<UUID> ids) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(ids.toArray(UUID[]::new)));
  }

  /** The state the reports left, one statement for every changed desktop of the batch. */
  public Uni<Void> writeDesktops(SqlConnection tx, List<DesktopEntity> changed) {
    if (changed.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    int n = changed.size();
    UUID[] id = new UUID[n];
    String[] state = new String[n];
    String[] reason = new String[n];
    String[] health = new String[n];
    String[] healthReason = new String[n];
    Boolean[] holds = new Boolean[n];
    UUID[] home = new UUID[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      DesktopEntity d = changed.get(i);
      id[i] = d.id;
      state[i] = d.state.name();
      reason[i] = d.statusReason;
      health[i] = (d.health == null ? DesktopHealth.OK : d.health).name();
      healthReason[i] = d.healthReason;
      holds[i] = d.holdsCapacity;
      home[i] = d.homeClusterId;
      at[i] = d.updatedAt;
    }
    Tuple values = Tuple.tuple();
    for (Object column : new Object[] {id, state, reason, health, healthReason, holds, home, at}) {
      values.addValue(column);
    }
    return tx.preparedQuery(UPDATE_DESKTOPS).execute(values).replaceWithVoid();
  }

  /** What the batch took and gave back, one statement for all its node groups, in lock order. */
  public Uni<Void> writeCapacity(
      SqlConnection tx, Map<ReportEffects.Group, ReportEffects.Delta> capacity) {
    if (capacity.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    int n = capacity.size();
    UUID[] cluster = new UUID[n];
    String[] name = new String[n];
    Long[] cpu = new Long[n];
    Long[] memory = new Long[n];
    Integer[] desktops = new Integer[n];
    int i = 0;
    for (Map.Entry<ReportEffects.Group, ReportEffects.Delta> e : capacity.entrySet()) {
      cluster[i] = e.getKey().clusterId();
      name[i] = e.getKey().name();
      cpu[i] = e.getValue().cpuMillis;
      memory[i] = e.getValue().memoryMiB;
      desktops[i] = e.getValue().desktops;
      i++;
    }
    return NodeGroupLocks.lock(tx, cluster, name)
        .chain(
            () ->
                tx.preparedQuery(UPDATE_CAPACITY)
                    .execute(Tuple.of(cluster, name, cpu, memory, desktops)))
        .replaceWithVoid();
  }

  /** The clusters the agent owns. */
  public Uni<Set<UUID>> clustersOf(SqlConnection tx, UUID agentId) {
    return tx.preparedQuery("select id from cluster where agent_id = $1")
        .execute(Tuple.of(agentId))
        .map(
            rows -> {
              Set<UUID> ids = new HashSet<>();
              rows.forEach(r -> ids.add(r.getUUID(0)));
              return ids;
            });
  }
}
