package io.opencdi.agent.runtime.simulated;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The virtual clusters and nodes a simulated runtime hosts, as read from a fleet file (see {@link
 * FleetFile}). Immutable and already validated.
 *
 * @param clusters every cluster, in file order
 * @param failImages glob patterns ({@code *} matches anything); a START whose image matches one
 *     ends in FAILED with an image-pull reason
 */
public record Fleet(List<Cluster> clusters, List<String> failImages) {
  public Fleet {
    clusters = List.copyOf(clusters);
    failImages = List.copyOf(failImages);
  }

  /** Total number of nodes across all clusters. */
  public int nodeCount() {
    return clusters.stream().mapToInt(c -> c.nodes().size()).sum();
  }

  /** The failImages pattern that {@code image} matches, or null. */
  public String failPatternFor(String image) {
    if (image == null) {
      return null;
    }
    for (String pattern : failImages) {
      if (glob(pattern).matcher(image).matches()) {
        return pattern;
      }
    }
    return null;
  }

  static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (!regex.isEmpty()) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }

  /**
   * One virtual cluster.
   *
   * @param name unique cluster name
   * @param region region label
   * @param zone zone label
   * @param architectures CPU architectures of its nodes
   * @param runtimeClasses runtime classes it offers
   * @param storageClasses storage classes it offers
   * @param cachedImages images already present on its nodes
   * @param ready whether it starts out ready for desktops
   * @param nodes its nodes, each reported as one node group
   */
  public record Cluster(
      String name,
      String region,
      String zone,
      List<String> architectures,
      List<String> runtimeClasses,
      List<String> storageClasses,
      List<String> cachedImages,
      boolean ready,
      List<Node> nodes) {
    public Cluster {
      architectures = List.copyOf(architectures);
      runtimeClasses = List.copyOf(runtimeClasses);
      storageClasses = List.copyOf(storageClasses);
      cachedImages = List.copyOf(cachedImages);
      nodes = List.copyOf(nodes);
    }
  }

  /**
   * One virtual node.
   *
   * @param name node name, for example {@code bj-1-node-003}
   * @param arch CPU architecture
   * @param cpuMillis allocatable CPU
   * @param memoryMiB allocatable memory
   * @param maxDesktops how many desktop pods fit at most
   * @param externalCpuMillis CPU requested by workloads that are not desktops
   * @param externalMemoryMiB memory requested by workloads that are not desktops
   */
  public record Node(
      String name,
      String arch,
      long cpuMillis,
      long memoryMiB,
      int maxDesktops,
      long externalCpuMillis,
      long externalMemoryMiB) {}
}
