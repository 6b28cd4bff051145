package io.opencdi.placement.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Answers "does a desktop of this size fit on a single node group?" in O(log n) for the node groups
 * of one architecture in one cluster.
 *
 * <p>Groups are sorted by free CPU (then name); {@code suffixMaxMemory[i]} is the largest free
 * memory among groups {@code i..n-1} that still have a desktop slot. A desktop fits iff the first
 * group with enough CPU has, at or after it, a group with enough memory. Scanning forward from
 * there also yields the best fit: the least free CPU that still fits, ties by name.
 *
 * <p>Bulk placement updates one group per decision, so {@link #replace} moves only that group and
 * recomputes only the suffix maxima that change.
 */
final class FitIndex {

  private static final Comparator<NodeGroup> ORDER =
      Comparator.comparingLong(NodeGroup::freeCpuMillis).thenComparing(NodeGroup::name);

  private final NodeGroup[] byFreeCpu;
  private final long[] freeCpu;

  /** Free memory, or {@code Long.MIN_VALUE} for a group without a free desktop slot. */
  private final long[] usableMemory;

  private final long[] suffixMaxMemory;

  private FitIndex(
      NodeGroup[] byFreeCpu, long[] freeCpu, long[] usableMemory, long[] suffixMaxMemory) {
    this.byFreeCpu = byFreeCpu;
    this.freeCpu = freeCpu;
    this.usableMemory = usableMemory;
    this.suffixMaxMemory = suffixMaxMemory;
  }

  static FitIndex of(List<NodeGroup> groups) {
    NodeGroup[] sorted = groups.toArray(NodeGroup[]::new);
    Arrays.sort(sorted, ORDER);
    int n = sorted.length;
    long[] cpu = new long[n];
    long[] memory = new long[n];
    long[] suffix = new long[n];
    long max = Long.MIN_VALUE;
    for (int i = n - 1; i >= 0; i--) {
      cpu[i] = sorted[i].freeCpuMillis();
      memory[i] = usableMemory(sorted[i]);
      max = Math.max(max, memory[i]);
      suffix[i] = max;
    }
    return new FitIndex(sorted, cpu, memory, suffix);
  }

  private static long usableMemory(NodeGroup group) {
    return group.freeDesktops() >= 1 ? group.freeMemoryMiB() : Long.MIN_VALUE;
  }

  /** Moves one group to its new sorted position; O(n) copies, work proportional to the move. */
  FitIndex replace(NodeGroup old, NodeGroup replacement) {
    int from = Arrays.binarySearch(byFreeCpu, old, ORDER);
    if (from < 0) {
      throw new IllegalStateException("node group " + old.name() + " is not indexed");
    }
    NodeGroup[] groups = byFreeCpu.clone();
    long[] cpu = freeCpu.clone();
    long[] memory = usableMemory.clone();
    long[] suffix = suffixMaxMemory.clone();
    int to = from;
    while (to > 0 && ORDER.compare(groups[to - 1], replacement) > 0) {
      move(groups, cpu, memory, to - 1, to--);
    }
    while (to < groups.length - 1 && ORDER.compare(groups[to + 1], replacement) < 0) {
      move(groups, cpu, memory, to + 1, to++);
    }
    groups[to] = replacement;
    cpu[to] = replacement.freeCpuMillis();
    memory[to] = usableMemory(replacement);
    int low = Math.min(from, to);
    int high = Math.max(from, to);
    long max = high + 1 < groups.length ? suffix[high + 1] : Long.MIN_VALUE;
    for (int i = high; i >= 0; i--) {
      max = Math.max(max, memory[i]);
      if (i < low && suffix[i] == max) {
        break; // below the moved range nothing changed, so neither does any smaller suffix
      }
      suffix[i] = max;
    }
    return new FitIndex(groups, cpu, memory, suffix);
  }

  private static void move(NodeGroup[] groups, long[] cpu, long[] memory, int source, int target) {
    groups[target] = groups[source];
    cpu[target] = cpu[source];
    memory[target] = memory[source];
  }

  boolean fits(long cpuMillis, long memoryMiB) {
    int i = firstWithCpu(cpuMillis);
    return i < freeCpu.length && suffixMaxMemory[i] >= memoryMiB;
  }

  /** The fitting group with the least free CPU (ties by name), or {@code null}. */
  NodeGroup bestFit(long cpuMillis, long memoryMiB) {
    int i = firstWithCpu(cpuMillis);
    if (i == freeCpu.length || suffixMaxMemory[i] < memoryMiB) {
      return null;
    }
    while (usableMemory[i] < memoryMiB) {
      i++;
    }
    return byFreeCpu[i];
  }

  /** The group with the most free CPU that still has a desktop slot, or {@code null}. */
  NodeGroup largestFree() {
    for (int i = byFreeCpu.length - 1; i >= 0; i--) {
      if (usableMemory[i] != Long.MIN_VALUE) {
        return byFreeCpu[i];
      }
    }
    return null;
  }

  private int firstWithCpu(long cpuMillis) {
    int low = 0;
    int high = freeCpu.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (freeCpu[mid] < cpuMillis) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
