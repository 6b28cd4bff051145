package io.opencdi.protocol;

/**
 * One node of a cluster as it is now.
 *
 * @param name the node's name
 * @param arch CPU architecture
 * @param ready whether the node takes workloads (Ready and not cordoned)
 * @param cpuMillis allocatable CPU
 * @param memoryMiB allocatable memory
 * @param usedCpuMillis CPU in use on the node, or null when the cluster has no metrics for it
 * @param usedMemoryMiB memory in use on the node, or null when the cluster has no metrics for it
 * @param desktops how many OpenCDI desktops run on it
 */
public record NodeUsage(
    String name,
    String arch,
    boolean ready,
    long cpuMillis,
    long memoryMiB,
    Long usedCpuMillis,
    Long usedMemoryMiB,
    int desktops) {}
