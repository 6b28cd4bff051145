package io.opencdi.protocol;

import java.util.List;

/**
 * What a cluster has, as its agent sees it.
 *
 * @param name unique cluster name, for example {@code bj-1}
 * @param region region label, for example {@code cn-north}
 * @param zone zone label, for example {@code cn-north-1a}
 * @param architectures CPU architectures of its nodes ({@code amd64}, {@code arm64})
 * @param runtimeClasses runtime classes available ({@code runc}, {@code gvisor}, {@code kata})
 * @param storageClasses storage classes available for home volumes
 * @param cachedImages images already present on its nodes
 * @param nodeGroups capacity per node group (a node, or a set of identical nodes)
 */
public record ClusterReport(
    String name,
    String region,
    String zone,
    List<String> architectures,
    List<String> runtimeClasses,
    List<String> storageClasses,
    List<String> cachedImages,
    List<NodeGroupReport> nodeGroups) {
  public ClusterReport {
    architectures = List.copyOf(architectures);
    runtimeClasses = List.copyOf(runtimeClasses);
    storageClasses = List.copyOf(storageClasses);
    cachedImages = List.copyOf(cachedImages);
    nodeGroups = List.copyOf(nodeGroups);
  }
}
