package io.opencdi.placement.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One member cluster as placement sees it in a {@link Snapshot}: health, labels and capacity per
 * node group. Collections are copied; aggregates and fit queries are answered from indexes built
 * once per instance.
 */
public record ClusterState(
    String id,
    String name,
    String region,
    String zone,
    boolean ready,
    long heartbeatEpochMillis,
    boolean cordoned,
    Set<String> runtimeClasses,
    Set<String> storageClasses,
    Set<String> cachedImages,
    List<NodeGroup> nodeGroups) {

  public ClusterState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(zone, "zone");
    runtimeClasses = Set.copyOf(runtimeClasses);
    storageClasses = Set.copyOf(storageClasses);
    cachedImages = Set.copyOf(cachedImages);
    nodeGroups = NodeGroups.copyOf(nodeGroups);
  }

  /** The CPU architectures of the node groups, sorted. */
  public Set<String> architectures() {
    return groups().architectures();
  }

  public long allocatableCpuMillis() {
    return groups().allocatableCpuMillis();
  }

  public long usedCpuMillis() {
    return groups().usedCpuMillis();
  }

  public long allocatableMemoryMiB() {
    return groups().allocatableMemoryMiB();
  }

  public long usedMemoryMiB() {
    return groups().usedMemoryMiB();
  }

  public long maxDesktops() {
    return groups().maxDesktops();
  }

  public long usedDesktops() {
    return groups().usedDesktops();
  }

  public Optional<NodeGroup> nodeGroup(String name) {
    return groups().byName(name);
  }

  /** The same cluster with the node group of the same name replaced; O(node groups). */
  public ClusterState withNodeGroup(NodeGroup replaced) {
    return new ClusterState(
        id,
        name,
        region,
        zone,
        ready,
        heartbeatEpochMillis,
        cordoned,
        runtimeClasses,
        storageClasses,
        cachedImages,
        groups().replace(replaced));
  }

  /**
   * Whether a single node group (of {@code arch}, if given) has room for the whole desktop.
   * Aggregate free capacity does not count: a desktop cannot span nodes. O(log node groups).
   */
  public boolean hasRoom(Optional<String> arch, long cpuMillis, long memoryMiB) {
    return groups().hasRoom(arch, cpuMillis, memoryMiB);
  }

  /**
   * The node group a desktop goes to: among those that fit, the one with the least free CPU, ties
   * by name. Best fit packs desktops onto already busy node groups and keeps the emptiest ones
   * whole for large desktops; it is deterministic, so replicas given the same snapshot agree.
   */
  public Optional<NodeGroup> bestFit(Optional<String> arch, long cpuMillis, long memoryMiB) {
    return groups().bestFit(arch, cpuMillis, memoryMiB);
  }

  /** The node group (of {@code arch}, if given) with the most free CPU and a desktop slot. */
  public Optional<NodeGroup> largestFree(Optional<String> arch) {
    return groups().largestFree(arch);
  }

  private NodeGroups groups() {
    return (NodeGroups) nodeGroups;
  }
}
