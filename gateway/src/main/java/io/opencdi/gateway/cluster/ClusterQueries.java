package io.opencdi.gateway.cluster;

import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.cluster.api.ClusterCapacity;
import io.opencdi.gateway.cluster.api.NodeGroup;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.placement.PlacementConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads clusters and their capacity for the API, in batches. */
@ApplicationScoped
public class ClusterQueries {
  private final Db db;
  private final Pool pool;
  private final PlacementConfig config;

  public ClusterQueries(Db db, Pool pool, PlacementConfig config) {
    this.db = db;
    this.pool = pool;
    this.config = config;
  }

  public Uni<List<Cluster>> all() {
    return db.session(
        s ->
            s.createSelectionQuery("from ClusterEntity order by name", ClusterEntity.class)
                .getResultList()
                .map(l -> l.stream().map(this::view).toList()));
  }

  /**
   * Clusters by id, through the reactive client: every desktop answer and listing needs its
   * desktops' clusters, and the ORM's per-row work cost more than the query.
   */
  public Uni<Map<UUID, Cluster>> byIds(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return pool.preparedQuery(
            "select id, name, region, zone, runtime, ready, cordoned, heartbeat_at, architectures,"
                + " runtime_classes, storage_classes from cluster where id = any($1)")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, Cluster> out = new HashMap<>();
              for (Row r : rows) {
                ClusterEntity c = new ClusterEntity();
                c.id = r.getUUID("id");
                c.name = r.getString("name");
                c.region = r.getString("region");
                c.zone = r.getString("zone");
                c.runtime = r.getString("runtime");
                c.ready = r.getBoolean("ready");
                c.cordoned = r.getBoolean("cordoned");
                c.heartbeatAt = r.getOffsetDateTime("heartbeat_at");
                c.architectures = r.getArrayOfStrings("architectures");
                c.runtimeClasses = r.getArrayOfStrings("runtime_classes");
                c.storageClasses = r.getArrayOfStrings("storage_classes");
                out.put(c.id, view(c));
              }
              return out;
            });
  }

  /**
   * Cordons cluster {@code id} (no new desktops go there) or lifts the cordon; no such cluster:
   * {@code NOT_FOUND}.
   */
  public Uni<Cluster> cordon(UUID id, boolean cordoned) {
    return db.transaction(
        s ->
            s.find(ClusterEntity.class, id)
                .map(
                    e -> {
                      if (e == null) {
                        throw new NotFoundException("no cluster with id " + id);
                      }
                      e.cordoned = cordoned;
                      e.updatedAt = OffsetDateTime.now();
                      return view(e);
                    }));
  }

  public Cluster view(ClusterEntity c) {
    boolean fresh =
        c.heartbeatAt != null
            && c.heartbeatAt.isAfter(OffsetDateTime.now().minus(config.heartbeatTimeout()));
    return Cluster.from(c, fresh);
  }

  /** Capacity of each cluster, one query for the whole batch. */
  public Uni<Map<UUID, ClusterCapacity>> capacity(Collection<UUID> ids) {
    return pool.preparedQuery(
            "select cluster_id, sum(cpu_millis), sum(external_cpu_millis + used_cpu_millis),"
                + " sum(memory_mib), sum(external_memory_mib + used_memory_mib),"
                + " sum(max_desktops), sum(used_desktops),"
                + " coalesce(max(greatest(cpu_millis - external_cpu_millis - used_cpu_millis, 0))"
                + "   filter (where used_desktops < max_desktops), 0),"
                + " coalesce(max(greatest(memory_mib - external_memory_mib - used_memory_mib, 0))"
                + "   filter (where used_desktops < max_desktops), 0)"
                + " from node_group where cluster_id = any($1) group by cluster_id")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, ClusterCapacity> out = new HashMap<>();
              for (Row r : rows) {
                out.put(
                    r.getUUID(0),
                    new ClusterCapacity(
                        r.getLong(1),
                        r.getLong(2),
                        r.getLong(3),
                        r.getLong(4),
                        r.getInteger(5),
                        r.getInteger(6),
                        r.getLong(7),
                        r.getLong(8)));
              }
              return out;
            });
  }

  /** Node groups of each cluster, one query for the whole batch. */
  public Uni<Map<UUID, List<NodeGroup>>> nodeGroups(Collection<UUID> ids) {
    return pool.preparedQuery(
            "select cluster_id, name, arch, cpu_millis, external_cpu_millis + used_cpu_millis,"
                + " memory_mib, external_memory_mib + used_memory_mib, max_desktops, used_desktops"
                + " from node_group where cluster_id = any($1) order by cluster_id, name")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, List<NodeGroup>> out = new HashMap<>();
              for (Row r : rows) {
                out.computeIfAbsent(r.getUUID(0), k -> new ArrayList<>())
                    .add(
                        new NodeGroup(
                            r.getString(1),
                            r.getString(2),
                            r.getLong(3),
                            r.getLong(4),
                            r.getLong(5),
                            r.getLong(6),
                            r.getInteger(7),
                            r.getInteger(8)));
              }
              return out;
            });
  }
}
