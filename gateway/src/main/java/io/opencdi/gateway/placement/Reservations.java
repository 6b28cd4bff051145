package io.opencdi.gateway.placement;

import io.opencdi.gateway.db.NodeGroupLocks;
import io.opencdi.placement.model.Placement;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Node-group reservations: the only statements that take room on a node group. A whole batch's
 * reservations are one statement through the reactive client (the creation pipeline, ADR 0025); a
 * single desktop's, in the Hibernate Reactive transaction of a power-on or restore, another. Each
 * update succeeds only while the group has room for all it takes, so nothing any number of
 * requests, batches or replicas do at once can over-commit a group. In a batch, the rows of one
 * node group are summed; a group that no longer has room for them is left untouched and named in
 * the answer, and its rows are then decided again one by one.
 */
@ApplicationScoped
public class Reservations {
  private static final String RESERVE_ALL =
      "update node_group g set used_cpu_millis = g.used_cpu_millis + w.cpu,"
          + " used_memory_mib = g.used_memory_mib + w.mem, used_desktops = g.used_desktops + w.n"
          + " from unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[])"
          + " as w(cluster_id, name, cpu, mem, n)"
          + " where g.cluster_id = w.cluster_id and g.name = w.name"
          + " and g.cpu_millis - g.external_cpu_millis - g.used_cpu_millis >= w.cpu"
          + " and g.memory_mib - g.external_memory_mib - g.used_memory_mib >= w.mem"
          + " and g.max_desktops - g.used_desktops >= w.n"
          + " returning g.cluster_id, g.name";

  private static final String RESERVE_ONE =
      "update node_group set used_cpu_millis = used_cpu_millis + ?1,"
          + " used_memory_mib = used_memory_mib + ?2, used_desktops = used_desktops + 1"
          + " where cluster_id = ?3 and name = ?4"
          + " and cpu_millis - external_cpu_millis - used_cpu_millis >= ?1"
          + " and memory_mib - external_memory_mib - used_memory_mib >= ?2"
          + " and max_desktops - used_desktops >= 1";

  /** Room one desktop takes on one node group. */
  public record Want(Placement placement, long cpuMillis, long memoryMiB) {}

  /**
   * Reserves one desktop's room on {@code placement}'s node group inside the session's transaction.
   *
   * @return whether the node group still had room; nothing was reserved when it had not
   */
  public Uni<Boolean> reserve(
      Mutiny.Session session, Placement placement, long cpuMillis, long memoryMiB) {
    return session
        .createNativeQuery(RESERVE_ONE)
        .setParameter(1, cpuMillis)
        .setParameter(2, memoryMiB)
        .setParameter(3, UUID.fromString(placement.clusterId()))
        .setParameter(4, placement.nodeGroup())
        .executeUpdate()
        .map(updated -> updated == 1);
  }

  /**
   * Reserves every {@code want} inside the caller's transaction, node group by node group.
   *
   * @return the node groups that had no room for their rows; nothing was reserved on them
   */
  public Uni<Set<Placement>> reserveAll(SqlConnection tx, List<Want> wants) {
    Map<Placement, long[]> sums = new LinkedHashMap<>();
    for (Want w : wants) {
      long[] sum = sums.computeIfAbsent(w.placement(), p -> new long[3]);
      sum[0] += w.cpuMillis();
      sum[1] += w.memoryMiB();
      sum[2]++;
    }
    if (sums.isEmpty()) {
      return Uni.createFrom().item(Set.of());
    }
    int n = sums.size();
    UUID[] clusters = new UUID[n];
    String[] names = new String[n];
    Long[] cpu = new Long[n];
    Long[] mem = new Long[n];
    Integer[] count = new Integer[n];
    int i = 0;
    for (Map.Entry<Placement, long[]> e : sums.entrySet()) {
      clusters[i] = UUID.fromString(e.getKey().clusterId());
      names[i] = e.getKey().nodeGroup();
      cpu[i] = e.getValue()[0];
      mem[i] = e.getValue()[1];
      count[i] = Math.toIntExact(e.getValue()[2]);
      i++;
    }
    return NodeGroupLocks.lock(tx, clusters, names)
        .chain(
            () -> tx.preparedQuery(RESERVE_ALL).execute(Tuple.of(clusters, names, cpu, mem, count)))
        .map(
            rows -> {
              Set<Placement> lost = new HashSet<>(sums.keySet());
              for (Row r : rows) {
                lost.remove(new Placement(r.getUUID(0).toString(), r.getString(1)));
              }
              return lost;
            });
  }
}
