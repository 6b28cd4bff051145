package io.opencdi.gateway.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/**
 * Locks node groups in one order before a batch updates them. An {@code update … from unnest(…)}
 * locks its rows in whatever order its plan meets them (a hash join meets them in the table's
 * physical order, which every update changes), so two batches that change the same groups, on one
 * replica or two, could each hold a row the other waits for: PostgreSQL ends one of them with a
 * deadlock, and its desktops' creations or reports fail. Taken in (cluster, name) order first, the
 * locks are met in the same order by every batch.
 */
public final class NodeGroupLocks {
  private static final String LOCK =
      "select 1 from node_group g join unnest($1::uuid[], $2::text[]) as w(cluster_id, name)"
          + " on g.cluster_id = w.cluster_id and g.name = w.name"
          + " order by g.cluster_id, g.name for no key update of g";

  private NodeGroupLocks() {}

  /**
   * Locks the node groups {@code (clusters[i], names[i])} in the caller's transaction, as its
   * update of them would (no key update), in (cluster, name) order.
   */
  public static Uni<Void> lock(SqlConnection tx, UUID[] clusters, String[] names) {
    if (clusters.length < 2) {
      return Uni.createFrom().voidItem(); // one row: no order to keep
    }
    return tx.preparedQuery(LOCK).execute(Tuple.of(clusters, names)).replaceWithVoid();
  }
}
