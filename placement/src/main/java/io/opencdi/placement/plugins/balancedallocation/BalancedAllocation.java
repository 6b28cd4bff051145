package io.opencdi.placement.plugins.balancedallocation;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Prefers clusters whose CPU and memory fill evenly, so neither runs out while the other idles.
 * kube-scheduler's formula on the cluster aggregate after adding the request: {@code (1 - std) *
 * 100}, rounded, over the utilisation fractions, which for two resources is {@code |cpu - memory| /
 * 2}.
 */
public final class BalancedAllocation implements ScorePlugin {

  public static final String NAME = "BalancedAllocation";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (cluster.allocatableCpuMillis() <= 0 || cluster.allocatableMemoryMiB() <= 0) {
      return MIN_SCORE;
    }
    double cpu =
        fraction(cluster.usedCpuMillis() + request.cpuMillis(), cluster.allocatableCpuMillis());
    double memory =
        fraction(cluster.usedMemoryMiB() + request.memoryMiB(), cluster.allocatableMemoryMiB());
    double std = Math.abs(cpu - memory) / 2;
    return (int) Math.round((1 - std) * MAX_SCORE);
  }

  private static double fraction(long requested, long allocatable) {
    return Math.min(1.0, (double) requested / allocatable);
  }
}
