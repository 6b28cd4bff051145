package io.opencdi.agent.runtime.kubernetes;

/**
 * What one node has and what is taken on it, as the scheduler counts it (requests of non-terminal
 * Pods plus their RuntimeClass overhead).
 *
 * @param name node name (its own node group)
 * @param arch {@code kubernetes.io/arch}
 * @param allocatableCpuMillis allocatable CPU
 * @param allocatableMemoryMiB allocatable memory
 * @param allocatablePods allocatable pod slots
 * @param externalCpuMillis CPU requested by Pods that are not desktops, plus every Pod's overhead
 * @param externalMemoryMiB memory requested likewise
 * @param externalPods Pods that are not desktops
 * @param desktopCpuMillis CPU requested by desktop Pods (without overhead)
 * @param desktopMemoryMiB memory requested by desktop Pods (without overhead)
 * @param desktopPods desktop Pods
 * @param excludedBecause why desktops cannot be scheduled here (cordoned, tainted, not ready), or
 *     null when they can
 */
public record NodeCapacity(
    String name,
    String arch,
    long allocatableCpuMillis,
    long allocatableMemoryMiB,
    int allocatablePods,
    long externalCpuMillis,
    long externalMemoryMiB,
    int externalPods,
    long desktopCpuMillis,
    long desktopMemoryMiB,
    int desktopPods,
    String excludedBecause) {

  public long freeCpuMillis() {
    return allocatableCpuMillis - externalCpuMillis - desktopCpuMillis;
  }

  public long freeMemoryMiB() {
    return allocatableMemoryMiB - externalMemoryMiB - desktopMemoryMiB;
  }

  public boolean schedulable() {
    return excludedBecause == null;
  }

  /** Whether a desktop of this size (plus its RuntimeClass overhead) fits now. */
  public boolean fits(long cpuMillis, long memoryMiB) {
    return schedulable()
        && externalPods + desktopPods < allocatablePods
        && cpuMillis <= freeCpuMillis()
        && memoryMiB <= freeMemoryMiB();
  }
}
