package io.opencdi.placement.plugins.tenantquota;

import static io.opencdi.placement.framework.Reasons.cpu;
import static io.opencdi.placement.framework.Reasons.memory;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.placement.model.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses desktops beyond the owner's remaining quota. The verdict is the same for every cluster;
 * it is a filter so that the refusal appears, with its reason, in the same explanation as the
 * others instead of as a separate error path.
 */
public final class TenantQuota implements FilterPlugin {

  public static final String NAME = "TenantQuota";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean passes(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (request.quota().isEmpty()) {
      return true;
    }
    QuotaAllowance left = request.quota().get();
    return left.desktopsLeft() >= 1
        && left.cpuMillisLeft() >= request.cpuMillis()
        && left.memoryMiBLeft() >= request.memoryMiB();
  }

  @Override
  public FilterResult filter(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    if (passes(request, cluster, snapshot)) {
      return FilterResult.success();
    }
    QuotaAllowance left = request.quota().orElseThrow();
    List<String> exceeded = new ArrayList<>(3);
    if (left.desktopsLeft() < 1) {
      exceeded.add("no desktops left in quota");
    }
    if (left.cpuMillisLeft() < request.cpuMillis()) {
      exceeded.add(
          "quota has "
              + cpu(Math.max(0, left.cpuMillisLeft()))
              + " CPU left, desktop needs "
              + cpu(request.cpuMillis()));
    }
    if (left.memoryMiBLeft() < request.memoryMiB()) {
      exceeded.add(
          "quota has "
              + memory(Math.max(0, left.memoryMiBLeft()))
              + " left, desktop needs "
              + memory(request.memoryMiB()));
    }
    return FilterResult.unschedulable(String.join(", ", exceeded));
  }
}
