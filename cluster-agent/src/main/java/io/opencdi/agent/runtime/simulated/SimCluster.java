package io.opencdi.agent.runtime.simulated;

import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A simulated cluster and its nodes; guarded by {@link SimulatedRuntime}'s one lock. */
final class SimCluster {
  final Fleet.Cluster def;
  final Map<String, SimNode> nodes = new LinkedHashMap<>();
  boolean ready;

  SimCluster(Fleet.Cluster def) {
    this.def = def;
    this.ready = def.ready();
    for (Fleet.Node node : def.nodes()) {
      nodes.put(node.name(), new SimNode(node));
    }
  }

  ClusterReport report() {
    List<NodeGroupReport> groups = new ArrayList<>(nodes.size());
    for (SimNode node : nodes.values()) {
      groups.add(node.report());
    }
    return new ClusterReport(
        def.name(),
        def.region(),
        def.zone(),
        def.architectures(),
        def.runtimeClasses(),
        def.storageClasses(),
        def.cachedImages(),
        groups);
  }
}
