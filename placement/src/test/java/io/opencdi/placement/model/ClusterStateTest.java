package io.opencdi.placement.model;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterStateTest {

  @Test
  void copiesCollectionsDefensively() {
    List<NodeGroup> groups = new ArrayList<>(List.of(group("ng-1", 4000, 8192)));
    Set<String> images = new HashSet<>(Set.of("xfce"));
    ClusterState state =
        new ClusterState(
            "c", "c", "eu", "eu-a", true, 0, false, Set.of(), Set.of(), images, groups);
    groups.add(group("ng-2", 4000, 8192));
    images.add("kde");
    assertThat(state.nodeGroups()).hasSize(1);
    assertThat(state.cachedImages()).containsExactly("xfce");
    assertThatThrownBy(() -> state.nodeGroups().add(group("ng-3", 1, 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aggregatesAndArchitecturesComeFromNodeGroups() {
    ClusterState state =
        cluster("c")
            .groups(
                new NodeGroup("a", "arm64", 4000, 8192, 10, 1000, 2048, 1),
                new NodeGroup("b", "amd64", 8000, 16_384, 20, 3000, 4096, 2))
            .build();
    assertThat(state.allocatableCpuMillis()).isEqualTo(12_000);
    assertThat(state.usedCpuMillis()).isEqualTo(4000);
    assertThat(state.allocatableMemoryMiB()).isEqualTo(24_576);
    assertThat(state.usedMemoryMiB()).isEqualTo(6144);
    assertThat(state.maxDesktops()).isEqualTo(30);
    assertThat(state.usedDesktops()).isEqualTo(3);
    assertThat(state.architectures()).containsExactly("amd64", "arm64");
  }

  @Test
  void withNodeGroupReplacesByNameAndUpdatesAggregates() {
    ClusterState state =
        cluster("c").groups(group("a", 4000, 8192), group("b", 4000, 8192)).build();
    ClusterState next =
        state.withNodeGroup(state.nodeGroup("b").orElseThrow().withAdded(1000, 2048, 1));
    assertThat(next.nodeGroups()).extracting(NodeGroup::name).containsExactly("a", "b");
    assertThat(next.nodeGroup("b").orElseThrow().usedCpuMillis()).isEqualTo(1000);
    assertThat(next.usedCpuMillis()).isEqualTo(1000);
    assertThat(state.usedCpuMillis()).isZero();
    assertThatThrownBy(() -> state.withNodeGroup(group("zzz", 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zzz");
  }

  @Test
  void rejectsDuplicateNodeGroupNames() {
    assertThatThrownBy(() -> cluster("c").groups(group("a", 1, 1), group("a", 2, 2)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate node group a");
  }

  @Test
  void roomMeansOneNodeGroupNotTheAggregate() {
    NodeGroup[] tenSmall = new NodeGroup[10];
    for (int i = 0; i < tenSmall.length; i++) {
      tenSmall[i] = group("n" + i, 1000, 8192);
    }
    ClusterState state = cluster("c").groups(tenSmall).build();
    assertThat(state.allocatableCpuMillis() - state.usedCpuMillis()).isEqualTo(10_000);
    assertThat(state.hasRoom(Optional.empty(), 2000, 1024)).isFalse();
    assertThat(state.hasRoom(Optional.empty(), 1000, 1024)).isTrue();
  }

  @Test
  void bestFitPacksTheFittingGroupWithLeastFreeCpuTiesByName() {
    ClusterState state =
        cluster("c")
            .groups(
                group("big", 16_000, 65_536),
                group("small-b", 2000, 65_536),
                group("small-a", 2000, 65_536),
                group("tiny", 500, 65_536),
                group("no-memory", 2000, 1024))
            .build();
    assertThat(state.bestFit(Optional.empty(), 2000, 4096))
        .map(NodeGroup::name)
        .hasValue("small-a");
    assertThat(state.bestFit(Optional.empty(), 4000, 4096)).map(NodeGroup::name).hasValue("big");
    assertThat(state.bestFit(Optional.empty(), 32_000, 4096)).isEmpty();
  }

  @Test
  void fitRespectsArchitecture() {
    ClusterState state =
        cluster("c")
            .groups(group("x86", "amd64", 2000, 4096, 10), group("arm", "arm64", 8000, 16_384, 10))
            .build();
    assertThat(state.bestFit(Optional.of("amd64"), 4000, 4096)).isEmpty();
    assertThat(state.bestFit(Optional.of("arm64"), 4000, 4096))
        .map(NodeGroup::name)
        .hasValue("arm");
    assertThat(state.bestFit(Optional.of("riscv64"), 1, 1)).isEmpty();
    assertThat(state.largestFree(Optional.of("amd64"))).map(NodeGroup::name).hasValue("x86");
  }

  /** The indexes must answer exactly what a linear scan over the node groups answers. */
  @Test
  void indexedFitMatchesLinearScanUnderRandomUpdates() {
    Random random = new Random(42);
    List<NodeGroup> groups = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String arch = random.nextInt(4) == 0 ? "arm64" : "amd64";
      groups.add(
          new NodeGroup(
              "g" + i,
              arch,
              random.nextInt(16) * 1000L,
              random.nextInt(64) * 1024L,
              random.nextInt(5),
              0,
              0,
              0));
    }
    ClusterState state = cluster("c").groups(groups.toArray(NodeGroup[]::new)).build();
    for (int step = 0; step < 2000; step++) {
      Optional<String> arch =
          switch (random.nextInt(3)) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of("amd64");
            default -> Optional.of("arm64");
          };
      long cpu = 1 + random.nextInt(8000);
      long memory = 1 + random.nextInt(32_768);
      Optional<NodeGroup> expected = linearBestFit(state.nodeGroups(), arch, cpu, memory);
      assertThat(state.bestFit(arch, cpu, memory)).isEqualTo(expected);
      assertThat(state.hasRoom(arch, cpu, memory)).isEqualTo(expected.isPresent());
      NodeGroup touched = state.nodeGroups().get(random.nextInt(groups.size()));
      int sign = random.nextBoolean() ? 1 : -1;
      state = state.withNodeGroup(touched.withAdded(sign * cpu / 2, sign * memory / 2, sign));
    }
  }

  private static Optional<NodeGroup> linearBestFit(
      List<NodeGroup> groups, Optional<String> arch, long cpu, long memory) {
    return groups.stream()
        .filter(g -> arch.isEmpty() || arch.get().equals(g.arch()))
        .filter(g -> g.fits(cpu, memory))
        .min(Comparator.comparingLong(NodeGroup::freeCpuMillis).thenComparing(NodeGroup::name));
  }
}
