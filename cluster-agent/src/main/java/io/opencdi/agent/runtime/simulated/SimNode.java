package io.opencdi.agent.runtime.simulated;

import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.NodeGroupReport;

/**
 * A simulated node: what it has, what runs outside OpenCDI, and what its desktops hold; guarded by
 * {@link SimulatedRuntime}'s one lock, which is what keeps it from being over-committed.
 */
final class SimNode {
  final Fleet.Node def;
  long externalCpuMillis;
  long externalMemoryMiB;
  long desktopCpuMillis;
  long desktopMemoryMiB;
  int desktops;

  SimNode(Fleet.Node def) {
    this.def = def;
    this.externalCpuMillis = def.externalCpuMillis();
    this.externalMemoryMiB = def.externalMemoryMiB();
  }

  long freeCpuMillis() {
    return def.cpuMillis() - externalCpuMillis - desktopCpuMillis;
  }

  long freeMemoryMiB() {
    return def.memoryMiB() - externalMemoryMiB - desktopMemoryMiB;
  }

  boolean fits(DesktopSpec spec) {
    return desktops < def.maxDesktops()
        && spec.cpuMillis() <= freeCpuMillis()
        && spec.memoryMiB() <= freeMemoryMiB();
  }

  void allocate(DesktopSpec spec) {
    desktops++;
    desktopCpuMillis += spec.cpuMillis();
    desktopMemoryMiB += spec.memoryMiB();
  }

  void release(long cpuMillis, long memoryMiB) {
    desktops--;
    desktopCpuMillis -= cpuMillis;
    desktopMemoryMiB -= memoryMiB;
  }

  NodeGroupReport report() {
    return new NodeGroupReport(
        def.name(),
        def.arch(),
        def.cpuMillis(),
        def.memoryMiB(),
        def.maxDesktops(),
        externalCpuMillis,
        externalMemoryMiB);
  }
}
