package io.opencdi.placement.plugins.architecture;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.framework.Reasons;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/** Drops clusters without nodes of the CPU architecture the desktop image is built for. */
public final class Architecture implements FilterPlugin {

  public static final String NAME = "Architecture";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return request.arch().isEmpty() || cluster.architectures().contains(request.arch().get());
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (passes(request, cluster, snapshot)) {
      return FilterResult.success();
    }
    return FilterResult.unschedulable(
        "no "
            + request.arch().get()
            + " nodes (cluster has: "
            + Reasons.list(cluster.architectures())
            + ")");
  }
}
