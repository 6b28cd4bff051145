package io.opencdi.gateway.agent;

import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * The most capacity an agent may report: far above any real machine, far below what would make one
 * cluster attract every desktop of the fleet. A report beyond them is refused whole.
 */
@ConfigMapping(prefix = "opencdi.agents.capacity-limits")
public interface CapacityLimits {
  /** The most allocatable CPU of one node group (4096 cores by default). */
  @WithDefault("4096000")
  long maxCpuMillis();

  /** The most allocatable memory of one node group (64 TiB by default). */
  @WithDefault("67108864")
  long maxMemoryMiB();

  /** The most desktops one node group may hold. */
  @WithDefault("10000")
  int maxDesktops();

  /** The most node groups of one cluster. */
  @WithDefault("10000")
  int maxNodeGroups();

  /** Why {@code cluster} is beyond these limits, or empty when it is within them. */
  default Optional<String> violation(ClusterReport cluster) {
    if (cluster.nodeGroups().size() > maxNodeGroups()) {
      return Optional.of(
          "cluster "
              + cluster.name()
              + " reports "
              + cluster.nodeGroups().size()
              + " node groups, more than "
              + maxNodeGroups());
    }
    for (NodeGroupReport g : cluster.nodeGroups()) {
      if (g.cpuMillis() < 0
          || g.memoryMiB() < 0
          || g.maxDesktops() < 0
          || g.externalCpuMillis() < 0
          || g.externalMemoryMiB() < 0
          || g.cpuMillis() > maxCpuMillis()
          || g.memoryMiB() > maxMemoryMiB()
          || g.maxDesktops() > maxDesktops()) {
        return Optional.of(
            "node group "
                + g.name()
                + " of cluster "
                + cluster.name()
                + " reports capacity out of bounds (cpuMillis 0.."
                + maxCpuMillis()
                + ", memoryMiB 0.."
                + maxMemoryMiB()
                + ", maxDesktops 0.."
                + maxDesktops()
                + ", external usage not negative)");
      }
    }
    return Optional.empty();
  }
}
