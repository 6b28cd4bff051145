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
