package io.opencdi.placement.plugins.leastallocated;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import org.junit.jupiter.api.Test;

class LeastAllocatedTest {

  private final LeastAllocated plugin = new LeastAllocated();
  private final DesktopRequest desktop = DesktopRequest.builder("alice", 1000, 2048).build();

  private int score(NodeGroup... groups) {
    ClusterState cluster = cluster("c").groups(groups).build();
    return plugin.score(desktop, cluster, snapshot(cluster));
  }

  @Test
  void averagesFreeShareOfCpuAndMemoryAfterTheRequestOverTheWholeCluster() {
    // CPU: (10000 - 4000 - 1000) / 10000 = 50; memory: (20480 - 2048 - 2048) / 20480 = 80.
    assertThat(
            score(
                new NodeGroup("a", "amd64", 5000, 10_240, 10, 4000, 2048, 1),
                new NodeGroup("b", "amd64", 5000, 10_240, 10, 0, 0, 0)))
        .isEqualTo(65);
  }

  @Test
  void emptierClusterScoresHigher() {
    int idle = score(new NodeGroup("a", "amd64", 10_000, 20_480, 10, 0, 0, 0));
    int busy = score(new NodeGroup("a", "amd64", 10_000, 20_480, 10, 8000, 16_384, 5));
    assertThat(idle).isGreaterThan(busy);
  }

  @Test
  void overCommittedResourceScoresZero() {
    assertThat(score(new NodeGroup("a", "amd64", 10_000, 20_480, 10, 9500, 0, 1))).isEqualTo(45);
    assertThat(score()).isZero();
  }
}
