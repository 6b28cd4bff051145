package io.opencdi.gateway.desktop;

import io.opencdi.gateway.applayer.Layer;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.placement.framework.ClusterEvaluation;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.framework.FilterVerdict;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.placement.plugins.nodefit.NodeFit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A desktop as the placement engine sees it, and the engine's answer as the desktop keeps it. */
final class DesktopRequests {
  private DesktopRequests() {}

  static DesktopRequest of(DesktopEntity d, Optional<QuotaAllowance> quota, String arch) {
    var b =
        DesktopRequest.builder(d.ownerId.toString(), d.cpuMillis, d.memoryMiB)
            .runtimeClass(d.runtimeClass)
            .storageClass(d.storageClass)
            .image(d.image)
            .layers(LayerStack.fromJson(d.appLayers).stream().map(Layer::image).toList());
    if (arch != null) {
      b.arch(arch);
    }
    if (d.region != null) {
      b.region(d.region);
    }
    if (d.zone != null) {
      b.zone(d.zone);
    }
    if (d.homeClusterId != null) {
      b.homeClusterId(d.homeClusterId.toString());
    }
    quota.ifPresent(b::quota);
    return b.build();
  }

  /** Why placement chose the desktop's cluster, as {@code placementSummary} shows it. */
  static String summary(Decision.Scheduled d, String clusterName) {
    if (d.evaluations().isEmpty()) {
      // Decided in a bulk pass, which keeps no per-cluster explanation of placed desktops.
      return "placed on "
          + clusterName
          + " / "
          + d.placement().nodeGroup()
          + " with score "
          + d.score()
          + " (decided in bulk)";
    }
    long feasible = d.evaluations().stream().filter(e -> e.feasible()).count();
    String name =
        d.evaluations().stream()
            .filter(e -> e.clusterId().equals(d.placement().clusterId()))
            .map(e -> e.clusterName())
            .findFirst()
            .orElse(d.placement().clusterId());
    return "placed on "
        + name
        + " / "
        + d.placement().nodeGroup()
        + " with score "
        + d.score()
        + " (best of "
        + feasible
        + " feasible of "
        + d.evaluations().size()
        + " clusters)";
  }

  /** The engine's refusal as the caller reads it. */
  static String refusal(Decision d) {
    return d instanceof Decision.Unschedulable u ? u.summary() : "no cluster can run this desktop";
  }

  /**
   * The clusters that refused the desktop for lack of room alone (every filter but node fit
   * passed), in the snapshot's order: where releasing room would let it in.
   */
  static List<UUID> lackingRoom(Decision d) {
    if (!(d instanceof Decision.Unschedulable u)) {
      return List.of();
    }
    return u.evaluations().stream()
        .filter(DesktopRequests::onlyRoomLacks)
        .map(e -> UUID.fromString(e.clusterId()))
        .toList();
  }

  private static boolean onlyRoomLacks(ClusterEvaluation e) {
    boolean failed = false;
    for (FilterVerdict v : e.filters()) {
      if (!v.passed()) {
        if (!NodeFit.NAME.equals(v.plugin())) {
          return false;
        }
        failed = true;
      }
    }
    return failed;
  }
}
