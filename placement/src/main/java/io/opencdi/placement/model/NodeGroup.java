package io.opencdi.placement.model;

import java.util.Objects;

/**
 * A set of identical nodes in one cluster, as seen by placement: what is allocatable and what is
 * already used. {@code used*} already includes external workloads, placed desktops and
 * reservations, so free capacity is simply the difference (negative when over-used by workloads
 * placement does not control).
 */
public record NodeGroup(
    String name,
    String arch,
    long cpuMillis,
    long memoryMiB,
    int maxDesktops,
    long usedCpuMillis,
    long usedMemoryMiB,
    int usedDesktops) {

  public NodeGroup {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arch, "arch");
    if (cpuMillis < 0 || memoryMiB < 0 || maxDesktops < 0) {
      throw new IllegalArgumentException("allocatable capacity of " + name + " is negative");
    }
  }

  public long freeCpuMillis() {
    return cpuMillis - usedCpuMillis;
  }

  public long freeMemoryMiB() {
    return memoryMiB - usedMemoryMiB;
  }

  public int freeDesktops() {
    return maxDesktops - usedDesktops;
  }

  /** Whether one more desktop of this size fits: CPU, memory and a free desktop slot. */
  public boolean fits(long cpuMillis, long memoryMiB) {
    return freeDesktops() >= 1 && freeCpuMillis() >= cpuMillis && freeMemoryMiB() >= memoryMiB;
  }

  /** Takes capacity (positive values) or gives it back (negative values). */
  public NodeGroup withAdded(long cpuMillis, long memoryMiB, int desktops) {
    return new NodeGroup(
        name,
        arch,
        this.cpuMillis,
        this.memoryMiB,
        maxDesktops,
        usedCpuMillis + cpuMillis,
        usedMemoryMiB + memoryMiB,
        usedDesktops + desktops);
  }
}
