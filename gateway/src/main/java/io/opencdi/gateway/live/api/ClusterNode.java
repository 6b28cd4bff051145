package io.opencdi.gateway.live.api;

import io.opencdi.protocol.NodeUsage;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** One node of a cluster as the cluster reports it now. */
@Description("One node of a cluster, read from the cluster when asked.")
public record ClusterNode(
    @NonNull String name,
    @NonNull String arch,
    @Description("The node takes desktops now (ready, not cordoned or tainted).") boolean ready,
    @Description("Allocatable CPU in millicores.") long cpuMillis,
    @Description("Allocatable memory in MiB.") long memoryMiB,
    @Description("CPU in use, in millicores; null when the cluster has no metrics for the node.")
        Long usedCpuMillis,
    @Description("Memory in use, in MiB; null when the cluster has no metrics for the node.")
        Long usedMemoryMiB,
    @Description("OpenCDI desktops on the node.") int desktops) {

  static ClusterNode from(NodeUsage n) {
    return new ClusterNode(
        n.name(),
        n.arch(),
        n.ready(),
        n.cpuMillis(),
        n.memoryMiB(),
        n.usedCpuMillis(),
        n.usedMemoryMiB(),
        n.desktops());
  }
}
