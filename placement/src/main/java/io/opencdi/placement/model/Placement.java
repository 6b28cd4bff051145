package io.opencdi.placement.model;

import java.util.Objects;

/** Where one desktop goes: a cluster and the node group inside it. */
public record Placement(String clusterId, String nodeGroup) {

  public Placement {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(nodeGroup, "nodeGroup");
  }
}
