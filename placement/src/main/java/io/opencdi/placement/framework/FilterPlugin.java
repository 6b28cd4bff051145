package io.opencdi.placement.framework;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/** Drops clusters that cannot run a desktop, saying why in words an administrator understands. */
public interface FilterPlugin {

  String name();

  FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot);

  /**
   * The verdict of {@link #filter} without its reason. Bulk placement asks this for every cluster
   * and desktop and needs reasons only for desktops that end up unschedulable; plugins whose
   * reasons cost more than the check override it and have {@code filter} call it, so both agree.
   */
  default boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return filter(request, cluster, snapshot).isSuccess();
  }
}
