package io.opencdi.gateway.placement;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Snapshot;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads cluster capacity into the engine's immutable model. It uses the reactive SQL client rather
 * than entities because it reads every node group of the fleet (20,000 rows at 100 × 200) several
 * times a minute, and rows map straight onto the engine's records.
 */
@ApplicationScoped
public class SnapshotLoader {
  private static final String CLUSTERS =
      "select id, name, region, zone, ready, cordoned, heartbeat_at, runtime_classes,"
          + " storage_classes, cached_images from cluster";
  private static final String GROUPS =
      "select cluster_id, name, arch, cpu_millis, memory_mib, max_desktops,"
          + " external_cpu_millis + used_cpu_millis, external_memory_mib + used_memory_mib,"
          + " used_desktops from node_group";

  private final Pool pool;

  public SnapshotLoader(Pool pool) {
    this.pool = pool;
  }

  /** All clusters. */
  public Uni<List<ClusterState>> loadAll() {
    return load(CLUSTERS, GROUPS + " order by cluster_id, name", Tuple.tuple());
  }

  /** One cluster, after a reservation there lost a race. */
  public Uni<List<ClusterState>> loadOne(UUID clusterId) {
    return load(
        CLUSTERS + " where id = $1",
        GROUPS + " where cluster_id = $1 order by name",
        Tuple.of(clusterId));
  }

  /** Snapshot of {@code clusters} at {@code now}. */
  public static Snapshot snapshot(
      List<ClusterState> clusters, long nowEpochMillis, long heartbeatTimeoutMillis) {
    return new Snapshot(clusters, nowEpochMillis, heartbeatTimeoutMillis);
  }

  private Uni<List<ClusterState>> load(String clusterSql, String groupSql, Tuple args) {
    Uni<Map<UUID, List<NodeGroup>>> groups =
        pool.preparedQuery(groupSql)
            .execute(args)
            .map(
                rows -> {
                  Map<UUID, List<NodeGroup>> byCluster = new HashMap<>();
                  for (Row r : rows) {
                    byCluster
                        .computeIfAbsent(r.getUUID(0), k -> new ArrayList<>())
                        .add(
                            new NodeGroup(
                                r.getString(1),
                                r.getString(2),
                                r.getLong(3),
                                r.getLong(4),
                                r.getInteger(5),
                                r.getLong(6),
                                r.getLong(7),
                                r.getInteger(8)));
                  }
                  return byCluster;
                });
    return groups.flatMap(
        byCluster ->
            pool.preparedQuery(clusterSql + " order by name")
                .execute(args)
                .map(
                    rows -> {
                      Map<UUID, ClusterState> out = new LinkedHashMap<>();
                      for (Row r : rows) {
                        UUID id = r.getUUID(0);
                        OffsetDateTime heartbeat = r.getOffsetDateTime(6);
                        out.put(
                            id,
                            new ClusterState(
                                id.toString(),
                                r.getString(1),
                                r.getString(2),
                                r.getString(3),
                                r.getBoolean(4),
                                heartbeat == null ? 0L : heartbeat.toInstant().toEpochMilli(),
                                r.getBoolean(5),
                                Set.copyOf(Arrays.asList(r.getArrayOfStrings(7))),
                                Set.copyOf(Arrays.asList(r.getArrayOfStrings(8))),
                                Set.copyOf(Arrays.asList(r.getArrayOfStrings(9))),
                                byCluster.getOrDefault(id, List.of())));
                      }
                      return List.copyOf(out.values());
                    }));
  }
}
