package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Refusals;
import io.opencdi.protocol.DesktopSpec;

/**
 * The node's capacity as its desktops hold it: a desktop holds its CPU, its memory and a desktop
 * slot from its start until it stops, fails or is deleted, and a start that would not fit is told
 * what it needs and what is free. The accounting is the same whichever transition holds or frees,
 * so it is kept in one place. Not thread-safe: the lifecycle's lock guards it with the desktops.
 */
final class NodeRoom {
  private final LocalSettings settings;
  private long usedCpuMillis;
  private long usedMemoryMiB;
  private int usedSlots;

  NodeRoom(LocalSettings settings) {
    this.settings = settings;
  }

  /** Why {@code spec} does not fit on the node now, or null when it does. */
  String lacking(DesktopSpec spec) {
    if (usedSlots < settings.maxDesktops()
        && usedCpuMillis + spec.cpuMillis() <= settings.cpuMillis()
        && usedMemoryMiB + spec.memoryMiB() <= settings.memoryMiB()) {
      return null;
    }
    return Refusals.noRoom(
        settings.nodeName(),
        spec.id(),
        spec.cpuMillis(),
        spec.memoryMiB(),
        settings.cpuMillis() - usedCpuMillis,
        settings.memoryMiB() - usedMemoryMiB,
        settings.maxDesktops() - usedSlots);
  }

  /** {@code d} holds what {@code spec} asks for. */
  void hold(LocalDesktop d, DesktopSpec spec) {
    d.heldCpuMillis = spec.cpuMillis();
    d.heldMemoryMiB = spec.memoryMiB();
    d.holding = true;
    usedCpuMillis += d.heldCpuMillis;
    usedMemoryMiB += d.heldMemoryMiB;
    usedSlots++;
  }

  /** {@code d} frees what it holds; whether it held anything. */
  boolean release(LocalDesktop d) {
    if (!d.holding) {
      return false;
    }
    usedCpuMillis -= d.heldCpuMillis;
    usedMemoryMiB -= d.heldMemoryMiB;
    usedSlots--;
    d.holding = false;
    return true;
  }
}
