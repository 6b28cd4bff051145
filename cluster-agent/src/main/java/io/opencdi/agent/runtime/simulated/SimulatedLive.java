package io.opencdi.agent.runtime.simulated;

import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.ProcessUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * Live figures of simulated desktops. Nothing runs, so the figures are made up, but plausibly and
 * deterministically: a desktop's use is a slow wave (period of minutes) within its limits, whose
 * phase comes from its id, so two reads a moment apart agree and a test can bound them. Its
 * processes are those a real desktop image starts, sharing the desktop's use in fixed parts.
 */
final class SimulatedLive {
  private static final long MIB = 1024L * 1024L;
  private static final long PERIOD_MILLIS = 300_000;

  /** The processes of a desktop image, with their share of its CPU and memory. */
  private record Part(String command, double cpuShare, double memoryShare) {}

  private static final List<Part> PARTS =
      List.of(
          new Part("Xvnc :1 -geometry 1280x800 -depth 24 -rfbport 5901", 0.35, 0.30),
          new Part("openbox --startup /usr/libexec/openbox-autostart", 0.05, 0.10),
          new Part("xterm -fa Monospace", 0.10, 0.15),
          new Part("bash", 0.02, 0.05),
          new Part("firefox-esr", 0.48, 0.40));

  private SimulatedLive() {}

  /** Share of its CPU limit a desktop uses at {@code nowMillis}: between 5 % and 60 %. */
  static double cpuLoad(String desktopId, long nowMillis) {
    return 0.05 + 0.55 * wave(desktopId, nowMillis, 0);
  }

  /** Share of its memory limit a desktop uses at {@code nowMillis}: between 30 % and 70 %. */
  static double memoryLoad(String desktopId, long nowMillis) {
    return 0.30 + 0.40 * wave(desktopId, nowMillis, 1.3);
  }

  /** CPU in use, in millicores, of a desktop with this spec. */
  static long cpuMillis(DesktopSpec spec, long nowMillis) {
    return Math.round(spec.cpuMillis() * cpuLoad(spec.id(), nowMillis));
  }

  /** Memory in use, in MiB. */
  static long memoryMiB(DesktopSpec spec, long nowMillis) {
    return Math.round(spec.memoryMiB() * memoryLoad(spec.id(), nowMillis));
  }

  /** A running desktop's use at {@code nowMillis}, it has run since {@code runningSinceMillis}. */
  static DesktopUsage usage(DesktopSpec spec, long runningSinceMillis, long nowMillis) {
    long cpu = cpuMillis(spec, nowMillis);
    long memory = memoryMiB(spec, nowMillis) * MIB;
    double upSeconds = Math.max(0, nowMillis - runningSinceMillis) / 1000.0;
    // CPU time so far: the wave's mean load over the time it has run, close enough for a
    // simulation.
    double meanCores = spec.cpuMillis() * (0.05 + 0.55 * 0.5) / 1000.0;
    long pidBase = 1000 + Math.floorMod(spec.id().hashCode(), 30_000);
    List<ProcessUsage> processes = new ArrayList<>(PARTS.size());
    for (int i = 0; i < PARTS.size(); i++) {
      Part part = PARTS.get(i);
      processes.add(
          new ProcessUsage(
              pidBase + i * 7L,
              part.command(),
              round2(upSeconds * meanCores * part.cpuShare()),
              round2(cpu * part.cpuShare() / 10.0),
              Math.round(memory * part.memoryShare())));
    }
    processes.sort((a, b) -> Double.compare(b.cpuPercent(), a.cpuPercent()));
    return new DesktopUsage(spec.id(), cpu, memory, processes, nowMillis);
  }

  private static double wave(String desktopId, long nowMillis, double offset) {
    double phase = Math.floorMod(desktopId.hashCode(), 1000) / 1000.0 * 2 * Math.PI;
    double t = (double) Math.floorMod(nowMillis, PERIOD_MILLIS) / PERIOD_MILLIS * 2 * Math.PI;
    return 0.5 + 0.5 * Math.sin(t + phase + offset);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
