package io.opencdi.placement.plugins.leastallocated;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Spreads desktops across clusters so each keeps headroom for bursts and failover. kube-scheduler's
 * formula on the cluster aggregate after adding the request: per resource {@code (allocatable -
 * requested) * 100 / allocatable} (0 when over), CPU and memory weighted equally.
 */
public final class LeastAllocated implements ScorePlugin {

  public static final String NAME = "LeastAllocated";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    int cpu = free(cluster.allocatableCpuMillis(), cluster.usedCpuMillis() + request.cpuMillis());
    int memory =
        free(cluster.allocatableMemoryMiB(), cluster.usedMemoryMiB() + request.memoryMiB());
    return (cpu + memory) / 2;
  }

  private static int free(long allocatable, long requested) {
    if (allocatable <= 0 || requested > allocatable) {
      return MIN_SCORE;
    }
    return (int) ((allocatable - requested) * MAX_SCORE / allocatable);
  }
}
