package io.opencdi.protocol;

/**
 * Capacity of one node group. A desktop must fit on a single node, so runtimes report one group per
 * node unless its nodes are identical and empty.
 *
 * @param name node (group) name, unique within the cluster
 * @param arch CPU architecture
 * @param cpuMillis allocatable CPU of the group
 * @param memoryMiB allocatable memory of the group
 * @param maxDesktops how many desktops (pods) the group may hold
 * @param externalCpuMillis CPU requested by workloads that are not OpenCDI desktops
 * @param externalMemoryMiB memory requested by workloads that are not OpenCDI desktops
 */
public record NodeGroupReport(
    String name,
    String arch,
    long cpuMillis,
    long memoryMiB,
    int maxDesktops,
    long externalCpuMillis,
    long externalMemoryMiB) {}
