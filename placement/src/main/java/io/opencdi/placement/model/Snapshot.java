package io.opencdi.placement.model;

import java.util.List;
import java.util.Optional;

/**
 * The fleet as one placement cycle sees it, taken once and never changed: decisions within the
 * cycle derive new snapshots ({@link #assume}) that share everything but the touched cluster.
 *
 * @param nowEpochMillis the cycle's clock, so heartbeat checks are reproducible
 * @param heartbeatTimeoutMillis a cluster whose last heartbeat is older than this is not ready
 */
public record Snapshot(
    List<ClusterState> clusters, long nowEpochMillis, long heartbeatTimeoutMillis) {

  public Snapshot {
    clusters = Clusters.copyOf(clusters);
    if (heartbeatTimeoutMillis < 0) {
      throw new IllegalArgumentException("negative heartbeat timeout");
    }
  }

  public Optional<ClusterState> cluster(String id) {
    return ((Clusters) clusters).byId(id);
  }

  /** The snapshot with the cluster of the same id replaced. */
  public Snapshot withCluster(ClusterState replaced) {
    return new Snapshot(
        ((Clusters) clusters).replace(replaced), nowEpochMillis, heartbeatTimeoutMillis);
  }

  /**
   * The snapshot with one desktop's capacity (and desktop slot) taken on the placement's node
   * group, so the next decision sees it.
   *
   * @throws IllegalArgumentException if the cluster or node group is not in this snapshot
   */
  public Snapshot assume(Placement placement, long cpuMillis, long memoryMiB) {
    ClusterState cluster =
        cluster(placement.clusterId())
            .orElseThrow(() -> new IllegalArgumentException("no cluster " + placement.clusterId()));
    NodeGroup group =
        cluster
            .nodeGroup(placement.nodeGroup())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no node group " + placement.nodeGroup() + " in " + cluster.id()));
    return withCluster(cluster.withNodeGroup(group.withAdded(cpuMillis, memoryMiB, 1)));
  }
}
