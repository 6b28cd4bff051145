package io.opencdi.gateway.agent;

import io.opencdi.protocol.CapacityUpdate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last capacity update applied for each cluster of one agent link. An agent reports a cluster's
 * capacity whenever something on it changed, but what it reports (allocatable resources and what
 * other workloads use) rarely changes when desktops come and go; applying an identical report again
 * rewrote every node group of the cluster and told every console, hundreds of times a second under
 * load. A report equal to the last one applied changes nothing and is skipped.
 */
final class CapacityMemo {
  private final Map<String, CapacityUpdate> applied = new ConcurrentHashMap<>();

  /**
   * Whether {@code update} says exactly what the last update applied for its cluster said. A
   * cluster reported not ready is never skipped: such reports are rare, and applying one again
   * keeps the row not ready whatever wrote it meanwhile.
   */
  boolean repeats(CapacityUpdate update) {
    return update.ready() && update.equals(applied.get(update.cluster().name()));
  }

  /** {@code update} is now what the database holds for its cluster. */
  void applied(CapacityUpdate update) {
    applied.put(update.cluster().name(), update);
  }

  /** Something else (a Hello, a failed write) may have written the clusters: compare nothing. */
  void forget() {
    applied.clear();
  }
}
