package io.opencdi.protocol;

import java.util.List;

/**
 * What a running desktop uses now.
 *
 * @param desktopId the desktop
 * @param cpuMillis CPU in use, in millicores (1000 = one core busy)
 * @param memoryBytes memory in use (resident set of its processes, or the pod's working set)
 * @param processes its processes, busiest first; null when the runtime cannot list them
 * @param observedAtEpochMillis when it was measured
 */
public record DesktopUsage(
    String desktopId,
    long cpuMillis,
    long memoryBytes,
    List<ProcessUsage> processes,
    long observedAtEpochMillis) {
  public DesktopUsage {
    processes = processes == null ? null : List.copyOf(processes);
  }
}
