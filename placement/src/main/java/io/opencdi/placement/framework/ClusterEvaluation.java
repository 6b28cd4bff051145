package io.opencdi.placement.framework;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Why a cluster was or was not chosen: every filter verdict and, for feasible clusters, the scores,
 * the weighted total (0–100) and the node group the desktop would go to.
 */
public record ClusterEvaluation(
    String clusterId,
    String clusterName,
    List<FilterVerdict> filters,
    List<PluginScore> scores,
    OptionalInt totalScore,
    Optional<String> nodeGroup) {

  public ClusterEvaluation {
    filters = List.copyOf(filters);
    scores = List.copyOf(scores);
  }

  /** Feasible iff every filter passed. */
  public boolean feasible() {
    for (FilterVerdict verdict : filters) {
      if (!verdict.passed()) {
        return false;
      }
    }
    return true;
  }

  /** The reasons of the filters that failed, in profile order. */
  public List<String> reasons() {
    return filters.stream().filter(v -> !v.passed()).map(FilterVerdict::reason).toList();
  }
}
