package io.opencdi.protocol;

import java.util.List;

/**
 * The answer to a {@link LiveQuery} (agent → gateway).
 *
 * @param queryId the id from the query
 * @param cluster the cluster that was read
 * @param desktops one entry per asked desktop that runs now; a desktop that does not run (or that
 *     the cluster does not know) has none
 * @param nodes the cluster's nodes when they were asked for, else empty
 * @param error why the cluster could not be read at all, or null; the lists are then empty
 */
public record LiveReport(
    String queryId,
    String cluster,
    List<DesktopUsage> desktops,
    List<NodeUsage> nodes,
    String error)
    implements Message {
  public LiveReport {
    desktops = desktops == null ? List.of() : List.copyOf(desktops);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }

  /** A report that says why {@code query}'s cluster could not be read. */
  public static LiveReport failed(LiveQuery query, String error) {
    return new LiveReport(query.queryId(), query.cluster(), List.of(), List.of(), error);
  }
}
