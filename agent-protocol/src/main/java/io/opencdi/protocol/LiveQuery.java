package io.opencdi.protocol;

import java.util.List;

/**
 * Asks the agent for the live state of one of its clusters (gateway → agent): the resource use and
 * processes of some desktops and, when {@code nodes} is set, the cluster's node list. The gateway
 * sends at most one per cluster for one GraphQL request and waits a bounded time for the {@link
 * LiveReport}; see docs/agent-protocol.md, "Live state".
 *
 * @param queryId random id the gateway issued, echoed in the report
 * @param cluster the cluster (served by this agent) to read
 * @param desktopIds desktops whose use is wanted; may be empty
 * @param nodes whether the node list is wanted
 */
public record LiveQuery(String queryId, String cluster, List<String> desktopIds, boolean nodes)
    implements Message {
  public LiveQuery {
    desktopIds = desktopIds == null ? List.of() : List.copyOf(desktopIds);
  }
}
