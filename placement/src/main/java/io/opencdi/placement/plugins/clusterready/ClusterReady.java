package io.opencdi.placement.plugins.clusterready;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Drops clusters that are not ready or whose agent has not sent a heartbeat within the snapshot's
 * timeout: their capacity figures are stale and a desktop sent there may never start.
 */
public final class ClusterReady implements FilterPlugin {

  public static final String NAME = "ClusterReady";

  private static final FilterResult NOT_READY = FilterResult.unschedulable("cluster not ready");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return cluster.ready() && age(cluster, snapshot) <= snapshot.heartbeatTimeoutMillis();
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (!cluster.ready()) {
      return NOT_READY;
    }
    long age = age(cluster, snapshot);
    if (age > snapshot.heartbeatTimeoutMillis()) {
      return FilterResult.unschedulable(
          "last heartbeat "
              + duration(age)
              + " ago (timeout "
              + duration(snapshot.heartbeatTimeoutMillis())
              + ")");
    }
    return FilterResult.success();
  }

  private static long age(ClusterState cluster, Snapshot snapshot) {
    return snapshot.nowEpochMillis() - cluster.heartbeatEpochMillis();
  }

  private static String duration(long millis) {
    return millis >= 1000 ? millis / 1000 + " s" : millis + " ms";
  }
}
