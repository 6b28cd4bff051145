package io.opencdi.placement.plugins.balancedallocation;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import org.junit.jupiter.api.Test;

class BalancedAllocationTest {

  private final BalancedAllocation plugin = new BalancedAllocation();
  private final DesktopRequest desktop = DesktopRequest.builder("alice", 1000, 2048).build();

  private int score(NodeGroup... groups) {
    ClusterState cluster = cluster("c").groups(groups).build();
    return plugin.score(desktop, cluster, snapshot(cluster));
  }

  @Test
  void evenlyFilledClusterScoresFull() {
    // After the request: CPU 5000/10000 = 0.5, memory 10240/20480 = 0.5.
    assertThat(score(new NodeGroup("a", "amd64", 10_000, 20_480, 10, 4000, 8192, 1)))
        .isEqualTo(100);
  }

  @Test
  void lopsidedClusterScoresLower() {
    // After the request: CPU 0.9, memory 0.1 → std 0.4 → 60.
    assertThat(score(new NodeGroup("a", "amd64", 10_000, 20_480, 10, 8000, 0, 1))).isEqualTo(60);
  }

  @Test
  void clusterWithoutCapacityScoresZero() {
    assertThat(score()).isZero();
  }
}
