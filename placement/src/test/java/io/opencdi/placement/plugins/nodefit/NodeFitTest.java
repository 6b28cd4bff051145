package io.opencdi.placement.plugins.nodefit;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import org.junit.jupiter.api.Test;

class NodeFitTest {

  private final NodeFit plugin = new NodeFit();

  private FilterResult filter(DesktopRequest request, ClusterState cluster) {
    return plugin.filter(request, cluster, snapshot(cluster));
  }

  private static DesktopRequest desktop(long cpu, long memory) {
    return DesktopRequest.builder("alice", cpu, memory).build();
  }

  @Test
  void passesWhenOneNodeGroupHasRoomForEverything() {
    ClusterState cluster =
        cluster("c").groups(group("small", 1000, 2048), group("big", 4000, 8192)).build();
    assertThat(filter(desktop(2000, 4096), cluster).isSuccess()).isTrue();
  }

  @Test
  void tenFreeCpusSpreadOverTenNodesCannotRunATwoCpuDesktop() {
    NodeGroup[] groups = new NodeGroup[10];
    for (int i = 0; i < 10; i++) {
      groups[i] = new NodeGroup("node-" + i, "amd64", 4000, 16_384, 10, 3000, 8192, 1);
    }
    assertThat(filter(desktop(2000, 4096), cluster("c").groups(groups).build()))
        .isEqualTo(
            FilterResult.unschedulable(
                "no node group has room for 2000m CPU / 4096 MiB"
                    + " (largest free: 1000m / 8192 MiB on node-9)"));
  }

  @Test
  void cpuAndMemoryMustFitOnTheSameNodeGroup() {
    ClusterState cluster =
        cluster("c")
            .groups(group("cpu-rich", 8000, 1024), group("memory-rich", 500, 65_536))
            .build();
    assertThat(filter(desktop(2000, 4096), cluster).reason())
        .isEqualTo(
            "no node group has room for 2000m CPU / 4096 MiB"
                + " (largest free: 8000m / 1024 MiB on cpu-rich)");
  }

  @Test
  void saysSoWhenNoSlotIsLeft() {
    ClusterState cluster =
        cluster("c").groups(new NodeGroup("full", "amd64", 8000, 8192, 2, 0, 0, 2)).build();
    assertThat(filter(desktop(1000, 1024), cluster))
        .isEqualTo(FilterResult.unschedulable("no node group has a free desktop slot"));
  }

  @Test
  void onlyNodeGroupsOfTheRequestedArchitectureCount() {
    ClusterState cluster =
        cluster("c")
            .groups(
                group("x86", "amd64", 8000, 16_384, 10), group("arm", "arm64", 1000, 16_384, 10))
            .build();
    DesktopRequest arm = DesktopRequest.builder("alice", 2000, 4096).arch("arm64").build();
    assertThat(filter(arm, cluster).reason())
        .isEqualTo(
            "no arm64 node group has room for 2000m CPU / 4096 MiB"
                + " (largest free: 1000m / 16384 MiB on arm)");
    DesktopRequest riscv = DesktopRequest.builder("alice", 1000, 1024).arch("riscv64").build();
    assertThat(filter(riscv, cluster).reason()).isEqualTo("no riscv64 node groups");
  }

  @Test
  void clusterWithoutNodeGroupsHasNoRoom() {
    assertThat(filter(desktop(1000, 1024), cluster("c").groups().build()).reason())
        .isEqualTo("no node groups");
  }
}
