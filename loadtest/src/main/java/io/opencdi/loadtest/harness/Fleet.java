package io.opencdi.loadtest.harness;

import java.util.List;

/**
 * The simulated fleet of a run, written as a fleet file for the cluster agent ({@code generate:}
 * syntax, see cluster-agent/README.md): clusters spread round-robin over four regions of three
 * zones each, every node 16 CPUs and 64 GiB.
 */
public final class Fleet {
  public static final List<String> REGIONS = List.of("cn-north", "cn-east", "eu-west", "us-east");
  public static final long NODE_CPU_MILLIS = 16_000;
  public static final long NODE_MEMORY_MIB = 65_536;

  private Fleet() {}

  /**
   * The names of the clusters the agent generates from {@link #yaml}: region, then the cluster's
   * number, as the agent's fleet file names them ({@code cn-north-001}, {@code cn-east-002}, …).
   */
  public static List<String> clusterNames(Settings s) {
    return java.util.stream.IntStream.rangeClosed(1, s.clusters())
        .mapToObj(
            i ->
                REGIONS.get((i - 1) % REGIONS.size())
                    + "-"
                    + String.format(java.util.Locale.ROOT, "%03d", i))
        .toList();
  }

  /** The clusters agent {@code agent} (from 0) of {@link Settings#agents} serves. */
  public static List<String> clustersOf(Settings s, int agent) {
    List<String> names = clusterNames(s);
    return java.util.stream.IntStream.range(0, names.size())
        .filter(i -> i % s.agents() == agent)
        .mapToObj(names::get)
        .toList();
  }

  /**
   * The fleet file of agent {@code agent} (from 0) of {@link Settings#agents}: every {@code
   * agents}-th cluster of {@link #clusterNames}, written out as {@link #yaml} would generate it.
   */
  public static String yaml(Settings s, int agent) {
    if (s.agents() == 1) {
      return yaml(s);
    }
    StringBuilder b = new StringBuilder("# Generated for one load run: agent ").append(agent + 1);
    b.append(" of ").append(s.agents()).append(".\nclusters:\n");
    List<String> names = clusterNames(s);
    for (int i = agent; i < names.size(); i += s.agents()) {
      String region = REGIONS.get(i % REGIONS.size());
      // The zone generate gives the i-th cluster: its region's zones in turn.
      char zone = (char) ('a' + (i / REGIONS.size()) % 3);
      b.append(
          """
            - name: %s
              region: %s
              zone: %s-%s
              runtimeClasses: [runc, gvisor]
              storageClasses: [longhorn]
              cachedImages: [opencdi/desktop-openbox:0.1]
              nodes: { count: %d, cpuMillis: %d, memoryMiB: %d, maxDesktops: %d }
          """
              .formatted(
                  names.get(i),
                  region,
                  region,
                  zone,
                  s.nodesPerCluster(),
                  NODE_CPU_MILLIS,
                  NODE_MEMORY_MIB,
                  s.maxDesktopsPerNode()));
    }
    return b.toString();
  }

  /** The fleet file's YAML. */
  public static String yaml(Settings s) {
    return """
        # Generated for one load run.
        generate:
          clusters: %d
          nodesPerCluster: %d
          regions: [%s]
          zonesPerRegion: 3
          cpuMillis: %d
          memoryMiB: %d
          maxDesktops: %d
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          cachedImages: [opencdi/desktop-openbox:0.1]
        """
        .formatted(
            s.clusters(),
            s.nodesPerCluster(),
            String.join(", ", REGIONS),
            NODE_CPU_MILLIS,
            NODE_MEMORY_MIB,
            s.maxDesktopsPerNode());
  }
}
