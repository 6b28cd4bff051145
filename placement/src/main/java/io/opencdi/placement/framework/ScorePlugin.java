package io.opencdi.placement.framework;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/** Ranks a feasible cluster for a desktop; higher is better. */
public interface ScorePlugin {

  int MIN_SCORE = 0;
  int MAX_SCORE = 100;

  String name();

  /** A score in {@code [MIN_SCORE, MAX_SCORE]}; the scheduler clamps anything outside. */
  int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot);

  /**
   * Whether the scheduler should stretch this plugin's scores over the feasible clusters (min-max
   * to 0–100) before weighting, as Karmada's and kube-scheduler's {@code NormalizeScore} do. Useful
   * for raw scores that differ only slightly but should still decide; off by default because it
   * also turns a 1-point difference into 100 points.
   */
  default boolean normalize() {
    return false;
  }
}
