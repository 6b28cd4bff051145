package io.opencdi.placement.scheduler;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.registry.Profile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BulkSchedulingTest {

  private final Scheduler scheduler = new Scheduler(Profile.defaults());

  private static List<DesktopRequest> desktops(int count, long cpu, long memory) {
    List<DesktopRequest> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      requests.add(DesktopRequest.builder("student-" + i, cpu, memory).build());
    }
    return requests;
  }

  private static <T> List<T> of(List<Decision> decisions, Class<T> type) {
    return decisions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void placesExactlyWhatFitsAndRefusesTheRestWithReasons() {
    // Room for exactly 12 desktops of 1 CPU: 4 + 3 on cluster a, 5 on cluster b.
    Snapshot snapshot =
        snapshot(
            cluster("a").groups(group("ng-1", 4000, 65_536), group("ng-2", 3500, 65_536)).build(),
            cluster("b")
                .groups(new NodeGroup("ng-1", "amd64", 16_000, 65_536, 5, 0, 0, 0))
                .build());

    List<Decision> decisions = scheduler.scheduleBulk(snapshot, desktops(17, 1000, 2048));

    List<Decision.Scheduled> placed = of(decisions, Decision.Scheduled.class);
    List<Decision.Unschedulable> refused = of(decisions, Decision.Unschedulable.class);
    assertThat(placed).hasSize(12);
    assertThat(refused).hasSize(5);
    Map<Placement, Integer> perGroup = new HashMap<>();
    placed.forEach(d -> perGroup.merge(d.placement(), 1, Integer::sum));
    assertThat(perGroup)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                new Placement("a", "ng-1"), 4,
                new Placement("a", "ng-2"), 3,
                new Placement("b", "ng-1"), 5));
    assertThat(refused)
        .allSatisfy(
            d ->
                assertThat(d.summary())
                    .isEqualTo(
                        "0/2 clusters can run this desktop: a: no node group has room for 1000m"
                            + " CPU / 2048 MiB (largest free: 500m / 59392 MiB on ng-2);"
                            + " b: no node group has a free desktop slot"));
    assertThat(refused.getFirst().evaluations()).hasSize(2);
  }

  @Test
  void neverOverCommitsANodeGroupOfARandomFleet() {
    Random random = new Random(20240501);
    List<ClusterState> clusters = new ArrayList<>();
    for (int c = 0; c < 20; c++) {
      NodeGroup[] groups = new NodeGroup[30];
      for (int g = 0; g < groups.length; g++) {
        long cpu = (2 + random.nextInt(31)) * 1000L;
        long memory = (4 + random.nextInt(125)) * 1024L;
        groups[g] =
            new NodeGroup(
                "ng-" + g,
                random.nextInt(5) == 0 ? "arm64" : "amd64",
                cpu,
                memory,
                1 + random.nextInt(12),
                random.nextLong(cpu / 2),
                random.nextLong(memory / 2),
                0);
      }
      clusters.add(cluster("c-" + c).location("r" + c % 3, "z" + c % 6).groups(groups).build());
    }
    Snapshot snapshot = new Snapshot(clusters, 0, 0);
    List<DesktopRequest> requests = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      DesktopRequest.Builder builder =
          DesktopRequest.builder(
                  "u" + random.nextInt(300),
                  (1 + random.nextInt(8)) * 500L,
                  (1 + random.nextInt(16)) * 1024L)
              .region("r" + random.nextInt(3));
      if (random.nextInt(4) == 0) {
        builder.arch(random.nextBoolean() ? "arm64" : "amd64");
      }
      requests.add(builder.build());
    }

    List<Decision> decisions = scheduler.scheduleBulk(snapshot, requests);

    Map<Placement, long[]> taken = new HashMap<>();
    for (int i = 0; i < decisions.size(); i++) {
      if (decisions.get(i) instanceof Decision.Scheduled s) {
        long[] sum = taken.computeIfAbsent(s.placement(), p -> new long[3]);
        sum[0] += requests.get(i).cpuMillis();
        sum[1] += requests.get(i).memoryMiB();
        sum[2]++;
        NodeGroup group =
            snapshot
                .cluster(s.placement().clusterId())
                .orElseThrow()
                .nodeGroup(s.placement().nodeGroup())
                .orElseThrow();
        requests.get(i).arch().ifPresent(arch -> assertThat(group.arch()).isEqualTo(arch));
      }
    }
    assertThat(of(decisions, Decision.Scheduled.class)).hasSizeGreaterThan(1000);
    assertThat(of(decisions, Decision.Unschedulable.class)).isNotEmpty();
    taken.forEach(
        (placement, sum) -> {
          NodeGroup group =
              snapshot
                  .cluster(placement.clusterId())
                  .orElseThrow()
                  .nodeGroup(placement.nodeGroup())
                  .orElseThrow();
          assertThat(group.usedCpuMillis() + sum[0])
              .as("CPU of %s", placement)
              .isLessThanOrEqualTo(group.cpuMillis());
          assertThat(group.usedMemoryMiB() + sum[1])
              .as("memory of %s", placement)
              .isLessThanOrEqualTo(group.memoryMiB());
          assertThat(group.usedDesktops() + sum[2])
              .as("slots of %s", placement)
              .isLessThanOrEqualTo(group.maxDesktops());
        });
  }

  @Test
  void eachDesktopSeesTheCapacityTakenBeforeIt() {
    Snapshot snapshot = snapshot(cluster("a").build(), cluster("b").build(), cluster("c").build());
    List<DesktopRequest> requests = desktops(40, 1000, 2048);

    List<Decision> bulk = scheduler.scheduleBulk(snapshot, requests);

    Snapshot current = snapshot;
    for (int i = 0; i < requests.size(); i++) {
      Decision single = scheduler.schedule(current, requests.get(i));
      Placement placement = ((Decision.Scheduled) single).placement();
      assertThat(((Decision.Scheduled) bulk.get(i)).placement()).isEqualTo(placement);
      current = current.assume(placement, 1000, 2048);
    }
  }

  @Test
  void explanationsAreOptionalForPlacedDesktops() {
    Snapshot snapshot = snapshot(cluster("a").build(), cluster("b").build());
    List<DesktopRequest> requests = desktops(10, 1000, 2048);

    List<Decision> fast = scheduler.scheduleBulk(snapshot, requests);
    List<Decision> explained = scheduler.scheduleBulk(snapshot, requests, true);

    assertThat(fast).allSatisfy(d -> assertThat(d.evaluations()).isEmpty());
    assertThat(explained).allSatisfy(d -> assertThat(d.evaluations()).hasSize(2));
    assertThat(fast)
        .extracting(d -> ((Decision.Scheduled) d).placement())
        .isEqualTo(explained.stream().map(d -> ((Decision.Scheduled) d).placement()).toList());
  }

  @Test
  void countsTheOwnersQuotaDownAcrossTheBulk() {
    QuotaAllowance threeDesktops = new QuotaAllowance(3, 100_000, 100_000);
    DesktopRequest alice = DesktopRequest.builder("alice", 1000, 2048).quota(threeDesktops).build();
    DesktopRequest bob = DesktopRequest.builder("bob", 1000, 2048).quota(threeDesktops).build();
    List<DesktopRequest> requests = new ArrayList<>(Collections.nCopies(5, alice));
    requests.add(bob);

    List<Decision> decisions = scheduler.scheduleBulk(snapshot(cluster("a").build()), requests);

    assertThat(decisions)
        .extracting(d -> d instanceof Decision.Scheduled)
        .containsExactly(true, true, true, false, false, true);
    assertThat(((Decision.Unschedulable) decisions.get(3)).summary())
        .isEqualTo("0/1 clusters can run this desktop: a: no desktops left in quota");
  }
}
