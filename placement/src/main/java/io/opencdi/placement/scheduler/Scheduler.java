package io.opencdi.placement.scheduler;

import io.opencdi.placement.framework.ClusterEvaluation;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.FilterResult;
import io.opencdi.placement.framework.FilterVerdict;
import io.opencdi.placement.framework.PluginScore;
import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.plugins.nodefit.NodeFit;
import io.opencdi.placement.registry.PluginRegistry;
import io.opencdi.placement.registry.Profile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The placement pipeline of Karmada and kube-scheduler on a {@link Snapshot}: filter every cluster,
 * score the feasible ones, take the weighted total, select the highest, and pick a node group in
 * the winner by best fit ({@link ClusterState#bestFit}).
 *
 * <p>Selection is deterministic so that gateway replicas given the same snapshot agree: ties go to
 * the lower stable hash of owner and cluster id — equal clusters share the load across owners
 * instead of the alphabetically first one taking everything — then to the lower cluster id.
 *
 * <p>Immutable and thread-safe; plugins are stateless.
 */
public final class Scheduler {

  /** Clusters named in an "unschedulable" summary; the evaluations carry all of them. */
  private static final int SUMMARY_CLUSTERS = 10;

  private final FilterPlugin[] filters;
  private final ScorePlugin[] scorers;
  private final int[] weights;
  private final long weightSum;

  /** A scheduler running {@code profile} with the built-in plugins. */
  public Scheduler(Profile profile) {
    this(profile, PluginRegistry.defaults());
  }

  /**
   * @throws IllegalArgumentException if the profile names an unknown plugin or omits {@link
   *     NodeFit}, without which the scheduler could not promise a node group that fits
   */
  public Scheduler(Profile profile, PluginRegistry registry) {
    if (!profile.filters().contains(NodeFit.NAME)) {
      throw new IllegalArgumentException("a profile must enable " + NodeFit.NAME);
    }
    filters = profile.filters().stream().map(registry::newFilter).toArray(FilterPlugin[]::new);
    scorers =
        profile.scores().stream()
            .map(s -> registry.newScore(s.plugin()))
            .toArray(ScorePlugin[]::new);
    weights = profile.scores().stream().mapToInt(Profile.WeightedScore::weight).toArray();
    long sum = 0;
    for (int weight : weights) {
      sum += weight;
    }
    weightSum = sum;
  }

  /** One decision with the full per-cluster explanation. */
  public Decision schedule(Snapshot snapshot, DesktopRequest request) {
    return decide(snapshot, request, true);
  }

  /** {@link #scheduleBulk(Snapshot, List, boolean)} without explanations for placed desktops. */
  public List<Decision> scheduleBulk(Snapshot snapshot, List<DesktopRequest> requests) {
    return scheduleBulk(snapshot, requests, false);
  }

  /**
   * Places many desktops as one request (a class of 500 students), in order. Each placement assumes
   * its capacity in the snapshot the next one sees, so the bulk never over-commits a node group,
   * and counts down the owner's quota for the owner's later desktops.
   *
   * @param explain whether {@link Decision.Scheduled} decisions carry the evaluation of every
   *     cluster; without it they carry none, which keeps 50,000 decisions within the engine's time
   *     budget. {@link Decision.Unschedulable} decisions always carry them: the reasons are the
   *     answer.
   */
  public List<Decision> scheduleBulk(
      Snapshot snapshot, List<DesktopRequest> requests, boolean explain) {
    List<Decision> decisions = new ArrayList<>(requests.size());
    Map<String, QuotaAllowance> quotaLeft = new HashMap<>();
    Snapshot current = snapshot;
    DesktopRequest lastRefused = null;
    Decision refusal = null;
    for (DesktopRequest original : requests) {
      DesktopRequest request =
          original.quota().isEmpty()
              ? original
              : original.withQuota(
                  quotaLeft.getOrDefault(original.owner(), original.quota().get()));
      // Nothing changed since an identical request was refused, so neither did the answer.
      Decision decision = request.equals(lastRefused) ? refusal : decide(current, request, explain);
      if (decision instanceof Decision.Scheduled scheduled) {
        current = current.assume(scheduled.placement(), request.cpuMillis(), request.memoryMiB());
        request
            .quota()
            .ifPresent(
                q ->
                    quotaLeft.put(
                        request.owner(), q.minus(1, request.cpuMillis(), request.memoryMiB())));
        lastRefused = null;
      } else {
        lastRefused = request;
        refusal = decision;
      }
      decisions.add(decision);
    }
    return decisions;
  }

  private Decision decide(Snapshot snapshot, DesktopRequest request, boolean explain) {
    List<ClusterState> clusters = snapshot.clusters();
    int n = clusters.size();
    int p = scorers.length;
    int[] scores = new int[n * p];
    boolean[] feasible = new boolean[n];
    List<List<FilterVerdict>> verdicts = explain ? new ArrayList<>(n) : List.of();
    int feasibleCount = 0;
    for (int c = 0; c < n; c++) {
      ClusterState cluster = clusters.get(c);
      if (explain) {
        List<FilterVerdict> clusterVerdicts = allFilters(request, cluster, snapshot);
        verdicts.add(clusterVerdicts);
        feasible[c] = clusterVerdicts.stream().allMatch(FilterVerdict::passed);
      } else {
        feasible[c] = passesFilters(request, cluster, snapshot);
      }
      if (feasible[c]) {
        feasibleCount++;
        for (int s = 0; s < p; s++) {
          scores[c * p + s] = clamp(scorers[s].score(request, cluster, snapshot));
        }
      }
    }
    if (feasibleCount == 0) {
      return explain ? unschedulable(clusters, verdicts) : decide(snapshot, request, true);
    }
    normalize(scores, feasible);
    int winner = select(request.owner(), clusters, scores, feasible);
    ClusterState chosen = clusters.get(winner);
    Placement placement = new Placement(chosen.id(), bestFit(request, chosen).name());
    List<ClusterEvaluation> evaluations =
        explain ? evaluations(request, clusters, verdicts, scores, feasible) : List.of();
    return new Decision.Scheduled(placement, total(scores, winner), evaluations);
  }

  /** Every filter, so the explanation lists every reason, not only the first. */
  private List<FilterVerdict> allFilters(
      DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    List<FilterVerdict> verdicts = new ArrayList<>(filters.length);
    for (FilterPlugin filter : filters) {
      FilterResult result = filter.filter(request, cluster, snapshot);
      String reason =
          result.status() == FilterResult.Status.ERROR
              ? "error: " + result.reason()
              : result.reason();
      verdicts.add(new FilterVerdict(filter.name(), result.isSuccess(), reason));
    }
    return verdicts;
  }

  private boolean passesFilters(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    for (FilterPlugin filter : filters) {
      if (!filter.passes(request, cluster, snapshot)) {
        return false;
      }
    }
    return true;
  }

  private static int clamp(int score) {
    return Math.clamp(score, ScorePlugin.MIN_SCORE, ScorePlugin.MAX_SCORE);
  }

  /**
   * Min-max normalisation over the feasible clusters for plugins that ask for it. Equal scores are
   * left as they are: stretching them would invent a difference.
   */
  private void normalize(int[] scores, boolean[] feasible) {
    int p = scorers.length;
    for (int s = 0; s < p; s++) {
      if (!scorers[s].normalize()) {
        continue;
      }
      int min = Integer.MAX_VALUE;
      int max = Integer.MIN_VALUE;
      for (int c = 0; c < feasible.length; c++) {
        if (feasible[c]) {
          min = Math.min(min, scores[c * p + s]);
          max = Math.max(max, scores[c * p + s]);
        }
      }
      if (max > min) {
        for (int c = 0; c < feasible.length; c++) {
          if (feasible[c]) {
            int score = scores[c * p + s];
            scores[c * p + s] = (score - min) * ScorePlugin.MAX_SCORE / (max - min);
          }
        }
      }
    }
  }

  private long weighted(int[] scores, int cluster) {
    long sum = 0;
    for (int s = 0; s < scorers.length; s++) {
      sum += (long) scores[cluster * scorers.length + s] * weights[s];
    }
    return sum;
  }

  /** The weighted total scaled back to 0–100 for display; selection uses the exact sum. */
  private int total(int[] scores, int cluster) {
    return weightSum == 0 ? 0 : (int) Math.round((double) weighted(scores, cluster) / weightSum);
  }

  private int select(String owner, List<ClusterState> clusters, int[] scores, boolean[] feasible) {
    int best = -1;
    long bestSum = 0;
    for (int c = 0; c < feasible.length; c++) {
      if (!feasible[c]) {
        continue;
      }
      long sum = weighted(scores, c);
      if (best < 0
          || sum > bestSum
          || (sum == bestSum && winsTie(owner, clusters.get(c), clusters.get(best)))) {
        best = c;
        bestSum = sum;
      }
    }
    return best;
  }

  private static boolean winsTie(String owner, ClusterState a, ClusterState b) {
    int byHash = Long.compare(TieBreak.hash(owner, a.id()), TieBreak.hash(owner, b.id()));
    return byHash != 0 ? byHash < 0 : a.id().compareTo(b.id()) < 0;
  }

  private static NodeGroup bestFit(DesktopRequest request, ClusterState cluster) {
    return cluster
        .bestFit(request.arch(), request.cpuMillis(), request.memoryMiB())
        .orElseThrow(
            () ->
                new IllegalStateException(
                    NodeFit.NAME + " passed but no node group of " + cluster.id() + " fits"));
  }

  private List<ClusterEvaluation> evaluations(
      DesktopRequest request,
      List<ClusterState> clusters,
      List<List<FilterVerdict>> verdicts,
      int[] scores,
      boolean[] feasible) {
    List<ClusterEvaluation> evaluations = new ArrayList<>(clusters.size());
    for (int c = 0; c < clusters.size(); c++) {
      ClusterState cluster = clusters.get(c);
      if (!feasible[c]) {
        evaluations.add(infeasible(cluster, verdicts.get(c)));
        continue;
      }
      List<PluginScore> pluginScores = new ArrayList<>(scorers.length);
      for (int s = 0; s < scorers.length; s++) {
        pluginScores.add(
            new PluginScore(scorers[s].name(), scores[c * scorers.length + s], weights[s]));
      }
      evaluations.add(
          new ClusterEvaluation(
              cluster.id(),
              cluster.name(),
              verdicts.get(c),
              pluginScores,
              OptionalInt.of(total(scores, c)),
              Optional.of(bestFit(request, cluster).name())));
    }
    return evaluations;
  }

  private static ClusterEvaluation infeasible(ClusterState cluster, List<FilterVerdict> verdicts) {
    return new ClusterEvaluation(
        cluster.id(), cluster.name(), verdicts, List.of(), OptionalInt.empty(), Optional.empty());
  }

  private static Decision.Unschedulable unschedulable(
      List<ClusterState> clusters, List<List<FilterVerdict>> verdicts) {
    List<ClusterEvaluation> evaluations = new ArrayList<>(clusters.size());
    for (int c = 0; c < clusters.size(); c++) {
      evaluations.add(infeasible(clusters.get(c), verdicts.get(c)));
    }
    StringBuilder summary =
        new StringBuilder("0/").append(clusters.size()).append(" clusters can run this desktop");
    if (clusters.isEmpty()) {
      summary.append(": no clusters in the snapshot");
    }
    // The nearest misses first (fewest failed filters; a stable sort keeps the snapshot's order
    // otherwise): the summary is cut short, and a cluster that lacks only room says more than a
    // dead one.
    List<ClusterEvaluation> nearest =
        evaluations.stream()
            .sorted(Comparator.comparingInt((ClusterEvaluation e) -> e.reasons().size()))
            .limit(SUMMARY_CLUSTERS)
            .toList();
    for (int c = 0; c < nearest.size(); c++) {
      ClusterEvaluation evaluation = nearest.get(c);
      summary
          .append(c == 0 ? ": " : "; ")
          .append(evaluation.clusterName())
          .append(": ")
          .append(String.join(", ", evaluation.reasons()));
    }
    if (clusters.size() > SUMMARY_CLUSTERS) {
      summary.append("; and ").append(clusters.size() - SUMMARY_CLUSTERS).append(" more");
    }
    return new Decision.Unschedulable(summary.toString(), evaluations);
  }
}
