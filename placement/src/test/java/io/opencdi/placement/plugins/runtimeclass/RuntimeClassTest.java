package io.opencdi.placement.plugins.runtimeclass;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import org.junit.jupiter.api.Test;

class RuntimeClassTest {

  private final RuntimeClass plugin = new RuntimeClass();
  private final ClusterState cluster = cluster("c").runtimeClasses("runc", "kata").build();

  private FilterResult filter(DesktopRequest request) {
    return plugin.filter(request, cluster, snapshot(cluster));
  }

  @Test
  void passesWhenTheRuntimeIsInstalledOrNoneIsRequested() {
    assertThat(filter(request().runtimeClass("kata").build()).isSuccess()).isTrue();
    assertThat(filter(request().build()).isSuccess()).isTrue();
  }

  @Test
  void dropsClusterWithoutTheRuntime() {
    assertThat(filter(request().runtimeClass("gvisor").build()))
        .isEqualTo(
            FilterResult.unschedulable(
                "runtime class gvisor not available (cluster has: kata, runc)"));
  }
}
