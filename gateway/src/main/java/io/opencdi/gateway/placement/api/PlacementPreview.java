package io.opencdi.gateway.placement.api;

import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** Where a desktop would go and why, for every cluster. */
@Description("Which cluster placement would choose and, for every cluster, why or why not.")
public record PlacementPreview(
    boolean schedulable,
    @Description("The chosen cluster's id.") String clusterId,
    String clusterName,
    String nodeGroup,
    Integer score,
    @NonNull String summary,
    @NonNull List<@NonNull ClusterVerdict> clusters) {

  /** One cluster's filters and scores. */
  public record ClusterVerdict(
      @NonNull String clusterId,
      @NonNull String clusterName,
      boolean feasible,
      Integer totalScore,
      String nodeGroup,
      @NonNull List<@NonNull FilterCheck> filters,
      @NonNull List<@NonNull ScoreEntry> scores) {}

  /** One filter plugin's verdict. */
  public record FilterCheck(@NonNull String plugin, boolean passed, String reason) {}

  /** One score plugin's score (0-100) and weight. */
  public record ScoreEntry(@NonNull String plugin, int score, int weight) {}
}
