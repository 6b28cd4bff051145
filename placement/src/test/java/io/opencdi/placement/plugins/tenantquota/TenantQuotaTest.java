package io.opencdi.placement.plugins.tenantquota;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.QuotaAllowance;
import org.junit.jupiter.api.Test;

class TenantQuotaTest {

  private final TenantQuota plugin = new TenantQuota();
  private final ClusterState cluster = cluster("c").build();

  private FilterResult filter(DesktopRequest request) {
    return plugin.filter(request, cluster, snapshot(cluster));
  }

  private static DesktopRequest.Builder twoCpus() {
    return DesktopRequest.builder("alice", 2000, 4096);
  }

  @Test
  void passesWithoutQuotaOrWithEnoughLeft() {
    assertThat(filter(twoCpus().build()).isSuccess()).isTrue();
    assertThat(filter(twoCpus().quota(new QuotaAllowance(1, 2000, 4096)).build()).isSuccess())
        .isTrue();
  }

  @Test
  void refusesWhenNoDesktopIsLeft() {
    assertThat(filter(twoCpus().quota(new QuotaAllowance(0, 8000, 16_384)).build()))
        .isEqualTo(FilterResult.unschedulable("no desktops left in quota"));
  }

  @Test
  void namesEveryExhaustedResource() {
    assertThat(filter(twoCpus().quota(new QuotaAllowance(3, 1000, -512)).build()).reason())
        .isEqualTo(
            "quota has 1000m CPU left, desktop needs 2000m,"
                + " quota has 0 MiB left, desktop needs 4096 MiB");
  }
}
