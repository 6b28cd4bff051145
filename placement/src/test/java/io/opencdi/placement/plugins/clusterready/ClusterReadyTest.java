package io.opencdi.placement.plugins.clusterready;

import static io.opencdi.placement.Fixtures.HEARTBEAT_TIMEOUT;
import static io.opencdi.placement.Fixtures.NOW;
import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import org.junit.jupiter.api.Test;

class ClusterReadyTest {

  private final ClusterReady plugin = new ClusterReady();

  private FilterResult filter(ClusterState cluster) {
    return plugin.filter(request().build(), cluster, snapshot(cluster));
  }

  @Test
  void passesReadyClusterWithFreshHeartbeat() {
    assertThat(filter(cluster("c").heartbeat(NOW - HEARTBEAT_TIMEOUT).build()))
        .isEqualTo(FilterResult.success());
  }

  @Test
  void dropsClusterThatIsNotReady() {
    assertThat(filter(cluster("c").notReady().build()))
        .isEqualTo(FilterResult.unschedulable("cluster not ready"));
  }

  @Test
  void dropsClusterWithStaleHeartbeat() {
    assertThat(filter(cluster("c").heartbeat(NOW - 95_000).build()))
        .isEqualTo(FilterResult.unschedulable("last heartbeat 95 s ago (timeout 60 s)"));
  }

  @Test
  void nameIsTheRegistryKey() {
    assertThat(plugin.name()).isEqualTo(ClusterReady.NAME).isEqualTo("ClusterReady");
  }
}
