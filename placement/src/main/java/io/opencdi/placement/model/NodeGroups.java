package io.opencdi.placement.model;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The immutable node-group list of a {@link ClusterState}, carrying what placement asks of it on
 * every decision: look-up by name, aggregates and one {@link FitIndex} per architecture. {@link
 * #replace} keeps all of it up to date in O(node groups) instead of rebuilding.
 */
final class NodeGroups extends AbstractList<NodeGroup> implements RandomAccess {

  private static final int ALLOCATABLE_CPU = 0;
  private static final int USED_CPU = 1;
  private static final int ALLOCATABLE_MEMORY = 2;
  private static final int USED_MEMORY = 3;
  private static final int MAX_DESKTOPS = 4;
  private static final int USED_DESKTOPS = 5;

  private static final NodeGroups EMPTY = build(List.of());

  private final NodeGroup[] groups;

  /** Shared by every version derived with {@link #replace}: names and order never change. */
  private final Map<String, Integer> positions;

  /** Architectures, sorted, and their indexes; arrays because a cluster has one or two. */
  private final String[] archs;

  private final Set<String> architectures;
  private final FitIndex[] indexes;

  /** Aggregates over all groups, indexed by the constants above. */
  private final long[] totals;

  private NodeGroups(
      NodeGroup[] groups,
      Map<String, Integer> positions,
      String[] archs,
      Set<String> architectures,
      FitIndex[] indexes,
      long[] totals) {
    this.groups = groups;
    this.positions = positions;
    this.archs = archs;
    this.architectures = architectures;
    this.indexes = indexes;
    this.totals = totals;
  }

  static NodeGroups copyOf(List<NodeGroup> groups) {
    if (groups instanceof NodeGroups same) {
      return same;
    }
    return groups.isEmpty() ? EMPTY : build(groups);
  }

  private static NodeGroups build(List<NodeGroup> source) {
    NodeGroup[] groups = source.toArray(NodeGroup[]::new);
    Map<String, Integer> positions = new HashMap<>();
    Map<String, List<NodeGroup>> perArch = new TreeMap<>();
    long[] totals = new long[6];
    for (int i = 0; i < groups.length; i++) {
      NodeGroup g = groups[i];
      if (positions.putIfAbsent(g.name(), i) != null) {
        throw new IllegalArgumentException("duplicate node group " + g.name());
      }
      perArch.computeIfAbsent(g.arch(), a -> new ArrayList<>()).add(g);
      add(totals, g, 1);
    }
    String[] archs = perArch.keySet().toArray(String[]::new);
    FitIndex[] indexes = perArch.values().stream().map(FitIndex::of).toArray(FitIndex[]::new);
    Set<String> architectures = Collections.unmodifiableSet(new TreeSet<>(perArch.keySet()));
    return new NodeGroups(groups, Map.copyOf(positions), archs, architectures, indexes, totals);
  }

  /** O(node groups): one array copy, one index update, aggregates by difference. */
  NodeGroups replace(NodeGroup replacement) {
    Integer position = positions.get(replacement.name());
    if (position == null) {
      throw new IllegalArgumentException("no node group " + replacement.name());
    }
    NodeGroup old = groups[position];
    NodeGroup[] next = groups.clone();
    next[position] = replacement;
    if (!old.arch().equals(replacement.arch())) {
      return build(List.of(next));
    }
    FitIndex[] nextIndexes = indexes.clone();
    int a = archIndex(old.arch());
    nextIndexes[a] = indexes[a].replace(old, replacement);
    long[] nextTotals = totals.clone();
    add(nextTotals, old, -1);
    add(nextTotals, replacement, 1);
    return new NodeGroups(next, positions, archs, architectures, nextIndexes, nextTotals);
  }

  private static void add(long[] totals, NodeGroup g, int sign) {
    totals[ALLOCATABLE_CPU] += sign * g.cpuMillis();
    totals[USED_CPU] += sign * g.usedCpuMillis();
    totals[ALLOCATABLE_MEMORY] += sign * g.memoryMiB();
    totals[USED_MEMORY] += sign * g.usedMemoryMiB();
    totals[MAX_DESKTOPS] += sign * g.maxDesktops();
    totals[USED_DESKTOPS] += sign * g.usedDesktops();
  }

  private int archIndex(String arch) {
    for (int i = 0; i < archs.length; i++) {
      if (archs[i].equals(arch)) {
        return i;
      }
    }
    return -1;
  }

  Optional<NodeGroup> byName(String name) {
    Integer position = positions.get(name);
    return position == null ? Optional.empty() : Optional.of(groups[position]);
  }

  Set<String> architectures() {
    return architectures;
  }

  boolean hasRoom(Optional<String> arch, long cpuMillis, long memoryMiB) {
    if (arch.isPresent()) {
      int a = archIndex(arch.get());
      return a >= 0 && indexes[a].fits(cpuMillis, memoryMiB);
    }
    for (FitIndex index : indexes) {
      if (index.fits(cpuMillis, memoryMiB)) {
        return true;
      }
    }
    return false;
  }

  Optional<NodeGroup> bestFit(Optional<String> arch, long cpuMillis, long memoryMiB) {
    NodeGroup best = null;
    for (FitIndex index : indexes(arch)) {
      NodeGroup candidate = index.bestFit(cpuMillis, memoryMiB);
      if (candidate != null && (best == null || packsTighter(candidate, best))) {
        best = candidate;
      }
    }
    return Optional.ofNullable(best);
  }

  Optional<NodeGroup> largestFree(Optional<String> arch) {
    NodeGroup largest = null;
    for (FitIndex index : indexes(arch)) {
      NodeGroup candidate = index.largestFree();
      if (candidate != null
          && (largest == null || candidate.freeCpuMillis() > largest.freeCpuMillis())) {
        largest = candidate;
      }
    }
    return Optional.ofNullable(largest);
  }

  private List<FitIndex> indexes(Optional<String> arch) {
    if (arch.isEmpty()) {
      return Arrays.asList(indexes);
    }
    int a = archIndex(arch.get());
    return a < 0 ? List.of() : List.of(indexes[a]);
  }

  private static boolean packsTighter(NodeGroup a, NodeGroup b) {
    return a.freeCpuMillis() < b.freeCpuMillis()
        || (a.freeCpuMillis() == b.freeCpuMillis() && a.name().compareTo(b.name()) < 0);
  }

  long allocatableCpuMillis() {
    return totals[ALLOCATABLE_CPU];
  }

  long usedCpuMillis() {
    return totals[USED_CPU];
  }

  long allocatableMemoryMiB() {
    return totals[ALLOCATABLE_MEMORY];
  }

  long usedMemoryMiB() {
    return totals[USED_MEMORY];
  }

  long maxDesktops() {
    return totals[MAX_DESKTOPS];
  }

  long usedDesktops() {
    return totals[USED_DESKTOPS];
  }

  @Override
  public NodeGroup get(int index) {
    return groups[index];
  }

  @Override
  public int size() {
    return groups.length;
  }
}
