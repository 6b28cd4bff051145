package io.opencdi.gateway.placement;

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

/**
 * Node-group reservations of a whole batch in one statement. The rows of one node group are summed
 * and the group's update succeeds only while it has room for all of them, so nothing any number of
 * batches or replicas do at once can over-commit a group. A group that no longer has room for its
 * rows is left untouched and named in the answer; its rows are then decided again one by one.
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

  /** Room one desktop takes on one node group. */
  public record Want(Placement placement, long cpuMillis, long memoryMiB) {}

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
    return tx.preparedQuery(RESERVE_ALL)
        .execute(Tuple.of(clusters, names, cpu, mem, count))
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
