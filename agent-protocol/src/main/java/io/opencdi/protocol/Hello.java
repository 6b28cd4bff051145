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
 * @param tunnelOnly the agent serves a member cluster that Karmada reports and commands: it takes
 *     display, file and audio tunnels, live queries and snapshot commands for the clusters it
 *     names, and nothing else. Their capacity in {@code clusters} and the {@code inventory} are not
 *     read; Karmada reports both. Absent (false) from agents before it.
 */
public record Hello(
    int protocolVersion,
    String agentId,
    String runtime,
    List<ClusterReport> clusters,
    List<DesktopStatus> inventory,
    List<String> joinTokens,
    boolean tunnelOnly)
    implements Message {
  public Hello {
    clusters = List.copyOf(clusters);
    inventory = List.copyOf(inventory);
    joinTokens = joinTokens == null ? List.of() : List.copyOf(joinTokens);
  }

  /** The Hello of an agent that serves and reports its clusters. */
  public Hello(
      int protocolVersion,
      String agentId,
      String runtime,
      List<ClusterReport> clusters,
      List<DesktopStatus> inventory,
      List<String> joinTokens) {
    this(protocolVersion, agentId, runtime, clusters, inventory, joinTokens, false);
  }

  /** A Hello that joins no new cluster. */
  public Hello(
      int protocolVersion,
      String agentId,
      String runtime,
      List<ClusterReport> clusters,
      List<DesktopStatus> inventory) {
    this(protocolVersion, agentId, runtime, clusters, inventory, List.of(), false);
  }
}
