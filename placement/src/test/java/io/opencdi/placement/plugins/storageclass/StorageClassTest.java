package io.opencdi.placement.plugins.storageclass;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import org.junit.jupiter.api.Test;

class StorageClassTest {

  private final StorageClass plugin = new StorageClass();

  private FilterResult filter(DesktopRequest request, ClusterState cluster) {
    return plugin.filter(request, cluster, snapshot(cluster));
  }

  @Test
  void passesWhenTheStorageClassExistsOrNoneIsRequested() {
    ClusterState cluster = cluster("c").storageClasses("ceph-rbd").build();
    assertThat(filter(request().storageClass("ceph-rbd").build(), cluster).isSuccess()).isTrue();
    assertThat(filter(request().build(), cluster).isSuccess()).isTrue();
  }

  @Test
  void dropsClusterWithoutTheStorageClass() {
    assertThat(filter(request().storageClass("ceph-rbd").build(), cluster("c").build()))
        .isEqualTo(
            FilterResult.unschedulable("storage class ceph-rbd not available (cluster has: none)"));
  }
}
