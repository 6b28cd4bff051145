package io.opencdi.placement.plugins.datalocality;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Prefers the cluster that already holds the user's home volume: elsewhere the volume must be moved
 * or served across clusters. 100 for that cluster, 0 for the others.
 */
public final class DataLocality implements ScorePlugin {

  public static final String NAME = "DataLocality";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    boolean home =
        request.homeClusterId().isPresent() && request.homeClusterId().get().equals(cluster.id());
    return home ? MAX_SCORE : MIN_SCORE;
  }
}
