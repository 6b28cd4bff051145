package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real figures for a live query, from {@code /proc}: each running desktop's process group (its
 * processes, their CPU over a short window and resident memory) and, for the node list, the host's
 * CPU and memory. Under gVisor the group is the sandbox's host processes (runsc), which is what the
 * desktop costs the host. Measuring blocks for the sample window, so it runs on what the runtime
 * read under its lock, never under it.
 */
final class LiveUsage {
  /** How long CPU time is sampled for a live query: long enough to see a busy process. */
  private static final Duration LIVE_SAMPLE_WINDOW = Duration.ofMillis(250);

  private final LocalSettings settings;

  LiveUsage(LocalSettings settings) {
    this.settings = settings;
  }

  /**
   * Measures the asked-for desktops.
   *
   * @param groups the process group of each asked-for desktop that runs, by desktop id
   * @param running how many desktops run on the node
   */
  LiveReport measure(LiveQuery query, Map<String, Long> groups, int running) {
    HostUsage.CpuTimes before = query.nodes() ? HostUsage.cpuTimes() : null;
    Map<Long, ProcessTable.GroupUsage> usage =
        ProcessTable.measure(groups.values(), LIVE_SAMPLE_WINDOW);
    long now = System.currentTimeMillis();
    List<DesktopUsage> desktopsUsage = new ArrayList<>();
    groups.forEach(
        (id, pgid) -> {
          ProcessTable.GroupUsage u = usage.get(pgid);
          if (u != null) {
            desktopsUsage.add(
                new DesktopUsage(id, u.cpuMillis(), u.memoryBytes(), u.processes(), now));
          }
        });
    List<NodeUsage> nodes = new ArrayList<>();
    if (query.nodes()) {
      nodes.add(
          new NodeUsage(
              settings.nodeName(),
              settings.arch(),
              true,
              settings.cpuMillis(),
              settings.memoryMiB(),
              HostUsage.cpuMillis(
                  before, HostUsage.cpuTimes(), Runtime.getRuntime().availableProcessors()),
              HostUsage.memoryMiB(),
              running));
    }
    return new LiveReport(query.queryId(), query.cluster(), desktopsUsage, nodes, null);
  }
}
