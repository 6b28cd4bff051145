package io.opencdi.agent.runtime.simulated;

import io.opencdi.agent.runtime.StartAdmission;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A simulated cluster and its nodes; guarded by {@link SimulatedRuntime}'s one lock, except what a
 * start's admission reads ({@link StartAdmission.Offer}): its definition, which never changes.
 */
final class SimCluster implements StartAdmission.Offer {
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

  @Override
  public String name() {
    return def.name();
  }

  @Override
  public boolean hasNode(String node) {
    return nodes.containsKey(node);
  }

  @Override
  public Optional<StartAdmission.NodeSize> allocatable(String node) {
    return Optional.ofNullable(nodes.get(node))
        .map(n -> new StartAdmission.NodeSize(n.def.cpuMillis(), n.def.memoryMiB()));
  }

  @Override
  public List<String> runtimeClasses() {
    return def.runtimeClasses();
  }

  @Override
  public List<String> storageClasses() {
    return def.storageClasses();
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
