package io.opencdi.placement.framework;

import io.opencdi.placement.model.Placement;
import java.util.List;

/**
 * The answer for one desktop. "Unschedulable" is an answer with per-cluster reasons, never a silent
 * queue.
 */
public sealed interface Decision permits Decision.Scheduled, Decision.Unschedulable {

  /**
   * Per-cluster explanation in snapshot order. Empty for {@link Scheduled} decisions of a bulk
   * placement made without {@code explain}.
   */
  List<ClusterEvaluation> evaluations();

  /** The desktop goes to {@code placement}; {@code score} is the winner's total (0–100). */
  record Scheduled(Placement placement, int score, List<ClusterEvaluation> evaluations)
      implements Decision {
    public Scheduled {
      evaluations = List.copyOf(evaluations);
    }
  }

  /** No cluster can run the desktop; {@code summary} lists the reasons briefly. */
  record Unschedulable(String summary, List<ClusterEvaluation> evaluations) implements Decision {
    public Unschedulable {
      evaluations = List.copyOf(evaluations);
    }
  }
}
