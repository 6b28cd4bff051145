package io.opencdi.placement.plugins.runtimeclass;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.framework.Reasons;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Drops clusters that lack the requested isolation runtime (gVisor, Kata): falling back to a weaker
 * sandbox is never acceptable, so this is a filter, not a score.
 */
public final class RuntimeClass implements FilterPlugin {

  public static final String NAME = "RuntimeClass";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return request.runtimeClass().isEmpty()
        || cluster.runtimeClasses().contains(request.runtimeClass().get());
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (passes(request, cluster, snapshot)) {
      return FilterResult.success();
    }
    return FilterResult.unschedulable(
        "runtime class "
            + request.runtimeClass().get()
            + " not available (cluster has: "
            + Reasons.list(cluster.runtimeClasses())
            + ")");
  }
}
