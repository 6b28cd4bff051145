package io.opencdi.placement.plugins.storageclass;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.framework.Reasons;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/** Drops clusters that cannot provision the storage class the desktop's volumes need. */
public final class StorageClass implements FilterPlugin {

  public static final String NAME = "StorageClass";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return request.storageClass().isEmpty()
        || cluster.storageClasses().contains(request.storageClass().get());
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (passes(request, cluster, snapshot)) {
      return FilterResult.success();
    }
    return FilterResult.unschedulable(
        "storage class "
            + request.storageClass().get()
            + " not available (cluster has: "
            + Reasons.list(cluster.storageClasses())
            + ")");
  }
}
