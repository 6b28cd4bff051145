package io.opencdi.protocol;

import java.util.List;

/**
 * First frame an agent sends after the WebSocket opens: who it is, the clusters it serves and the
 * desktops it actually runs (its inventory is the truth for what exists in its clusters).
 *
 * @param protocolVersion the protocol version the agent speaks
 * @param agentId a stable name of the agent (for logs and metrics)
 * @param runtime {@code simulated}, {@code local} or {@code kubernetes}
 * @param clusters every cluster this agent serves, with its capacity
 * @param inventory every desktop the agent currently knows of
 * @param joinTokens join tokens an administrator issued ({@code registerCluster}), one per cluster
 *     this agent announces for the first time; each is bound to one cluster name and joins it once.
 *     Empty when every announced cluster already belongs to this agent.
 */
public record Hello(
    int protocolVersion,
    String agentId,
    String runtime,
    List<ClusterReport> clusters,
    List<DesktopStatus> inventory,
    List<String> joinTokens)
    implements Message {
  public Hello {
    clusters = List.copyOf(clusters);
    inventory = List.copyOf(inventory);
    joinTokens = joinTokens == null ? List.of() : List.copyOf(joinTokens);
  }

  /** A Hello that joins no new cluster. */
  public Hello(
      int protocolVersion,
      String agentId,
      String runtime,
      List<ClusterReport> clusters,
      List<DesktopStatus> inventory) {
    this(protocolVersion, agentId, runtime, clusters, inventory, List.of());
  }
}
