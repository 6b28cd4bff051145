package io.opencdi.placement.scheduler;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

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
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.plugins.datalocality.DataLocality;
import io.opencdi.placement.plugins.nodefit.NodeFit;
import io.opencdi.placement.registry.PluginRegistry;
import io.opencdi.placement.registry.Profile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class SchedulerTest {

  private final Scheduler scheduler = new Scheduler(Profile.defaults());

  private static Placement placed(Decision decision) {
    assertThat(decision).isInstanceOf(Decision.Scheduled.class);
    return ((Decision.Scheduled) decision).placement();
  }

  @Test
  void picksSameZoneOverSameRegionOverElsewhere() {
    ClusterState elsewhere = cluster("us-1").location("us", "us-a").build();
    ClusterState sameRegion = cluster("eu-2").location("eu", "eu-b").build();
    ClusterState sameZone = cluster("eu-1").location("eu", "eu-a").build();
    DesktopRequest desktop = request().region("eu").zone("eu-a").build();

    assertThat(placed(scheduler.schedule(snapshot(elsewhere, sameRegion, sameZone), desktop)))
        .isEqualTo(new Placement("eu-1", "ng-1"));
    assertThat(placed(scheduler.schedule(snapshot(elsewhere, sameRegion), desktop)).clusterId())
        .isEqualTo("eu-2");
    assertThat(placed(scheduler.schedule(snapshot(elsewhere), desktop)).clusterId())
        .isEqualTo("us-1");
  }

  @Test
  void dataLocalityWinsWhenWeighted() {
    ClusterState home = cluster("home").location("us", "us-a").build();
    ClusterState near = cluster("near").location("eu", "eu-a").build();
    Snapshot snapshot = snapshot(near, home);
    DesktopRequest desktop = request().region("eu").zone("eu-a").homeClusterId("home").build();

    assertThat(placed(scheduler.schedule(snapshot, desktop)).clusterId()).isEqualTo("home");
    Scheduler latencyFirst = new Scheduler(Profile.defaults().withWeight(DataLocality.NAME, 1));
    assertThat(placed(latencyFirst.schedule(snapshot, desktop)).clusterId()).isEqualTo("near");
  }

  @Test
  void tenOneCpuNodesRefuseATwoCpuDesktopWithTheNodeFitReason() {
    NodeGroup[] nodes = new NodeGroup[10];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new NodeGroup("node-" + i, "amd64", 4000, 16_384, 10, 3000, 4096, 1);
    }
    Snapshot snapshot = snapshot(cluster("sh-1").groups(nodes).build());

    Decision decision =
        scheduler.schedule(snapshot, DesktopRequest.builder("bob", 2000, 4096).build());

    assertThat(decision).isInstanceOf(Decision.Unschedulable.class);
    String reason =
        "no node group has room for 2000m CPU / 4096 MiB (largest free: 1000m / 12288 MiB on node-9)";
    assertThat(((Decision.Unschedulable) decision).summary())
        .isEqualTo("0/1 clusters can run this desktop: sh-1: " + reason);
    assertThat(decision.evaluations().getFirst().filters())
        .contains(new FilterVerdict(NodeFit.NAME, false, reason));
  }

  @Test
  void unschedulableSummaryListsEveryClusterWithAllItsReasons() {
    Snapshot snapshot =
        snapshot(
            cluster("bj-1").cordoned().build(),
            cluster("sh-1").notReady().runtimeClasses("runc").build());

    Decision decision = scheduler.schedule(snapshot, request().runtimeClass("gvisor").build());

    assertThat(decision)
        .isEqualTo(
            new Decision.Unschedulable(
                "0/2 clusters can run this desktop: bj-1: cordoned, runtime class gvisor not"
                    + " available (cluster has: runc); sh-1: cluster not ready, runtime class"
                    + " gvisor not available (cluster has: runc)",
                decision.evaluations()));
    assertThat(decision.evaluations())
        .allSatisfy(
            e -> {
              assertThat(e.feasible()).isFalse();
              assertThat(e.filters()).hasSize(Profile.defaults().filters().size());
              assertThat(e.totalScore()).isEmpty();
            });
  }

  @Test
  void summaryOfALargeFleetStaysBrief() {
    List<ClusterState> clusters = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      clusters.add(cluster("c-" + i).cordoned().build());
    }
    Decision decision = scheduler.schedule(new Snapshot(clusters, 0, 0), request().build());
    assertThat(((Decision.Unschedulable) decision).summary())
        .startsWith("0/25 clusters can run this desktop: c-0: cordoned; c-1: cordoned;")
        .endsWith("c-9: cordoned; and 15 more");
    assertThat(decision.evaluations()).hasSize(25);
    assertThat(scheduler.schedule(new Snapshot(List.of(), 0, 0), request().build()))
        .isEqualTo(
            new Decision.Unschedulable(
                "0/0 clusters can run this desktop: no clusters in the snapshot", List.of()));
  }

  @Test
  void aCutShortSummaryNamesTheNearestMissesFirst() {
    List<ClusterState> clusters = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      clusters.add(cluster("dead-" + i).cordoned().notReady().build());
    }
    clusters.add(cluster("almost").cordoned().build());
    Decision decision = scheduler.schedule(new Snapshot(clusters, 0, 0), request().build());
    assertThat(((Decision.Unschedulable) decision).summary())
        .startsWith("0/13 clusters can run this desktop: almost: cordoned; dead-0: ")
        .contains("dead-8: ")
        .doesNotContain("dead-9: ")
        .endsWith("; and 3 more");
  }

  @Test
  void explainsEveryClusterOfAScheduledDecision() {
    Snapshot snapshot =
        snapshot(
            cluster("a").cordoned().build(),
            cluster("b")
                .location("eu", "eu-a")
                .groups(group("big", 16_000, 65_536), group("small", 2000, 4096))
                .build());

    Decision.Scheduled decision =
        (Decision.Scheduled)
            scheduler.schedule(snapshot, request().region("eu").zone("eu-a").build());

    assertThat(decision.placement()).isEqualTo(new Placement("b", "small"));
    ClusterEvaluation a = decision.evaluations().get(0);
    ClusterEvaluation b = decision.evaluations().get(1);
    assertThat(a.reasons()).containsExactly("cordoned");
    assertThat(a.scores()).isEmpty();
    assertThat(b.feasible()).isTrue();
    assertThat(b.nodeGroup()).hasValue("small");
    assertThat(b.scores())
        .extracting(PluginScore::plugin, PluginScore::weight)
        .containsExactly(
            tuple("DataLocality", 5),
            tuple("UserLocality", 3),
            tuple("ImageLocality", 1),
            tuple("LeastAllocated", 1),
            tuple("BalancedAllocation", 1));
    int weighted = b.scores().stream().mapToInt(s -> s.score() * s.weight()).sum();
    assertThat(b.totalScore()).hasValue(Math.round(weighted / 11f));
    assertThat(decision.score()).isEqualTo(b.totalScore().getAsInt());
  }

  @Test
  void sameInputGivesTheSameDecisionWhateverTheClusterOrder() {
    List<ClusterState> clusters = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      clusters.add(cluster("c-" + i).location(i % 2 == 0 ? "eu" : "us", "z").build());
    }
    DesktopRequest desktop = request().region("eu").build();
    Decision first = scheduler.schedule(new Snapshot(clusters, 0, 0), desktop);

    assertThat(new Scheduler(Profile.defaults()).schedule(new Snapshot(clusters, 0, 0), desktop))
        .isEqualTo(first);
    List<ClusterState> shuffled = new ArrayList<>(clusters);
    Collections.shuffle(shuffled, new Random(1));
    assertThat(placed(scheduler.schedule(new Snapshot(shuffled, 0, 0), desktop)))
        .isEqualTo(placed(first));
  }

  @Test
  void equalClustersAreSharedAcrossOwners() {
    Snapshot snapshot = snapshot(cluster("a").build(), cluster("b").build(), cluster("c").build());
    Map<String, Integer> chosen = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      DesktopRequest desktop = DesktopRequest.builder("user-" + i, 1000, 2048).build();
      chosen.merge(placed(scheduler.schedule(snapshot, desktop)).clusterId(), 1, Integer::sum);
    }
    assertThat(chosen).containsOnlyKeys("a", "b", "c");
    assertThat(chosen.values()).allSatisfy(count -> assertThat(count).isBetween(60, 140));
  }

  @Test
  void normalisingPluginsAreStretchedOverTheFeasibleClusters() {
    PluginRegistry registry =
        PluginRegistry.defaults()
            .withScore("Tiny", () -> scorer("Tiny", true, c -> c.id().equals("b") ? 41 : 40));
    Profile profile =
        new Profile(List.of(NodeFit.NAME), List.of(new Profile.WeightedScore("Tiny", 1)));
    Snapshot snapshot =
        snapshot(cluster("a").build(), cluster("b").build(), cluster("full").groups().build());

    Decision decision = new Scheduler(profile, registry).schedule(snapshot, request().build());

    assertThat(decision.evaluations())
        .filteredOn(ClusterEvaluation::feasible)
        .extracting(e -> e.scores().getFirst().score())
        .containsExactly(0, 100);
    assertThat(placed(decision).clusterId()).isEqualTo("b");
  }

  @Test
  void scoresOutsideTheRangeAreClamped() {
    PluginRegistry registry =
        PluginRegistry.defaults()
            .withScore("Wild", () -> scorer("Wild", false, c -> c.id().equals("a") ? 150 : -20));
    Profile profile =
        new Profile(List.of(NodeFit.NAME), List.of(new Profile.WeightedScore("Wild", 1)));

    Decision decision =
        new Scheduler(profile, registry)
            .schedule(snapshot(cluster("a").build(), cluster("b").build()), request().build());

    assertThat(decision.evaluations())
        .extracting(e -> e.totalScore().getAsInt())
        .containsExactly(100, 0);
  }

  @Test
  void aFilterErrorMakesTheClusterInfeasibleAndSaysSo() {
    FilterPlugin broken =
        new FilterPlugin() {
          @Override
          public String name() {
            return "Broken";
          }

          @Override
          public FilterResult filter(
              DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
            return FilterResult.error("label missing");
          }
        };
    PluginRegistry registry = PluginRegistry.defaults().withFilter("Broken", () -> broken);
    Profile profile = new Profile(List.of("Broken", NodeFit.NAME), List.of());

    Decision decision =
        new Scheduler(profile, registry)
            .schedule(snapshot(cluster("a").build()), request().build());

    assertThat(((Decision.Unschedulable) decision).summary())
        .isEqualTo("0/1 clusters can run this desktop: a: error: label missing");
  }

  @Test
  void rejectsProfilesThatCannotPromiseANodeGroup() {
    assertThatThrownBy(() -> new Scheduler(new Profile(List.of("ClusterReady"), List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NodeFit");
    assertThatThrownBy(() -> new Scheduler(new Profile(List.of(NodeFit.NAME, "Nope"), List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown filter Nope");
  }

  private static ScorePlugin scorer(String name, boolean normalize, ToIntFunction<ClusterState> f) {
    return new ScorePlugin() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
        return f.applyAsInt(cluster);
      }

      @Override
      public boolean normalize() {
        return normalize;
      }
    };
  }
}
