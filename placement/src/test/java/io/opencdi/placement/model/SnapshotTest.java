package io.opencdi.placement.model;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotTest {

  private final Snapshot snapshot =
      snapshot(
          cluster("a").groups(group("ng-1", 4000, 8192)).build(),
          cluster("b").groups(group("ng-1", 4000, 8192), group("ng-2", 2000, 4096)).build());

  @Test
  void looksClustersUpById() {
    assertThat(snapshot.cluster("b")).map(ClusterState::id).hasValue("b");
    assertThat(snapshot.cluster("zzz")).isEmpty();
  }

  @Test
  void rejectsDuplicateClusterIds() {
    ClusterState a = cluster("a").build();
    assertThatThrownBy(() -> new Snapshot(List.of(a, a), 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate cluster id a");
  }

  @Test
  void withClusterReplacesOnlyThatClusterAndLeavesTheOriginal() {
    ClusterState cordonedB = cluster("b").cordoned().build();
    Snapshot next = snapshot.withCluster(cordonedB);
    assertThat(next.cluster("b")).hasValue(cordonedB);
    assertThat(next.cluster("a")).isEqualTo(snapshot.cluster("a"));
    assertThat(next.clusters()).extracting(ClusterState::id).containsExactly("a", "b");
    assertThat(snapshot.cluster("b").orElseThrow().cordoned()).isFalse();
  }

  @Test
  void assumeTakesCapacityAndASlotOnOneNodeGroup() {
    Snapshot next = snapshot.assume(new Placement("b", "ng-2"), 1500, 1024);
    NodeGroup group = next.cluster("b").orElseThrow().nodeGroup("ng-2").orElseThrow();
    assertThat(group.usedCpuMillis()).isEqualTo(1500);
    assertThat(group.usedMemoryMiB()).isEqualTo(1024);
    assertThat(group.usedDesktops()).isEqualTo(1);
    assertThat(next.cluster("b").orElseThrow().usedCpuMillis()).isEqualTo(1500);
    assertThat(next.cluster("b").orElseThrow().nodeGroup("ng-1").orElseThrow().usedCpuMillis())
        .isZero();
    assertThat(snapshot.cluster("b").orElseThrow().usedCpuMillis()).isZero();
  }

  @Test
  void assumeRejectsUnknownPlacements() {
    assertThatThrownBy(() -> snapshot.assume(new Placement("zzz", "ng-1"), 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no cluster zzz");
    assertThatThrownBy(() -> snapshot.assume(new Placement("a", "ng-9"), 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no node group ng-9 in a");
  }
}
