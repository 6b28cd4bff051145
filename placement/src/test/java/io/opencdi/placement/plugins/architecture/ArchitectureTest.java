package io.opencdi.placement.plugins.architecture;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  private final Architecture plugin = new Architecture();
  private final ClusterState mixed =
      cluster("c")
          .groups(group("a", "amd64", 1000, 1024, 1), group("b", "arm64", 1000, 1024, 1))
          .build();

  private FilterResult filter(DesktopRequest request, ClusterState cluster) {
    return plugin.filter(request, cluster, snapshot(cluster));
  }

  @Test
  void passesWhenAnyNodeGroupHasTheArchitecture() {
    assertThat(filter(request().arch("arm64").build(), mixed).isSuccess()).isTrue();
  }

  @Test
  void passesWhenNoArchitectureIsRequested() {
    assertThat(filter(request().build(), cluster("c").groups().build()).isSuccess()).isTrue();
  }

  @Test
  void dropsClusterWithoutTheArchitecture() {
    assertThat(filter(request().arch("riscv64").build(), mixed))
        .isEqualTo(FilterResult.unschedulable("no riscv64 nodes (cluster has: amd64, arm64)"));
    assertThat(filter(request().arch("arm64").build(), cluster("c").groups().build()).reason())
        .isEqualTo("no arm64 nodes (cluster has: none)");
  }
}
