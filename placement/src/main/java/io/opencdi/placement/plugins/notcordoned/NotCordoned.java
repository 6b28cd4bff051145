package io.opencdi.placement.plugins.notcordoned;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/** Drops clusters an administrator cordoned (draining, maintenance): running desktops stay. */
public final class NotCordoned implements FilterPlugin {

  public static final String NAME = "NotCordoned";

  private static final FilterResult CORDONED = FilterResult.unschedulable("cordoned");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return cluster.cordoned() ? CORDONED : FilterResult.success();
  }
}
