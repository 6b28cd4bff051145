package io.opencdi.placement.plugins.notcordoned;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import org.junit.jupiter.api.Test;

class NotCordonedTest {

  private final NotCordoned plugin = new NotCordoned();

  private FilterResult filter(ClusterState cluster) {
    return plugin.filter(request().build(), cluster, snapshot(cluster));
  }

  @Test
  void passesUncordonedCluster() {
    assertThat(filter(cluster("c").build()).isSuccess()).isTrue();
  }

  @Test
  void dropsCordonedCluster() {
    assertThat(filter(cluster("c").cordoned().build()))
        .isEqualTo(FilterResult.unschedulable("cordoned"));
    assertThat(plugin.name()).isEqualTo("NotCordoned");
  }
}
