package io.opencdi.placement.plugins.nodefit;

import static io.opencdi.placement.framework.Reasons.cpu;
import static io.opencdi.placement.framework.Reasons.memory;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Snapshot;
import java.util.Optional;

/**
 * Keeps clusters where a single node group (of the requested architecture) has room for the whole
 * desktop: CPU, memory and a desktop slot. Aggregate free capacity does not count — a cluster with
 * 10 free CPUs spread as 1 CPU on 10 nodes cannot run a 2-CPU desktop. The scheduler requires this
 * filter because the node group it assigns must exist.
 */
public final class NodeFit implements FilterPlugin {

  public static final String NAME = "NodeFit";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    return cluster.hasRoom(request.arch(), request.cpuMillis(), request.memoryMiB());
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (passes(request, cluster, snapshot)) {
      return FilterResult.success();
    }
    Optional<String> arch = request.arch();
    String groups = arch.map(a -> a + " node group").orElse("node group");
    boolean none = arch.map(a -> !cluster.architectures().contains(a)).orElse(false);
    if (none || cluster.nodeGroups().isEmpty()) {
      return FilterResult.unschedulable("no " + groups + "s");
    }
    Optional<NodeGroup> largest = cluster.largestFree(arch);
    if (largest.isEmpty()) {
      return FilterResult.unschedulable("no " + groups + " has a free desktop slot");
    }
    NodeGroup g = largest.get();
    return FilterResult.unschedulable(
        "no "
            + groups
            + " has room for "
            + cpu(request.cpuMillis())
            + " CPU / "
            + memory(request.memoryMiB())
            + " (largest free: "
            + cpu(g.freeCpuMillis())
            + " / "
            + memory(g.freeMemoryMiB())
            + " on "
            + g.name()
            + ")");
  }
}
