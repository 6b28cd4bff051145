package io.opencdi.placement.plugins.userlocality;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Prefers clusters near the user, because every frame and keystroke crosses that distance: same
 * zone 100, same region 50, elsewhere 0. A zone only counts inside the requested region (zone names
 * are not unique across regions). Without a location every cluster scores 0.
 */
public final class UserLocality implements ScorePlugin {

  public static final String NAME = "UserLocality";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    boolean sameRegion =
        request.region().isPresent() && request.region().get().equals(cluster.region());
    boolean sameZone = request.zone().isPresent() && request.zone().get().equals(cluster.zone());
    if (sameZone && (sameRegion || request.region().isEmpty())) {
      return MAX_SCORE;
    }
    return sameRegion ? MAX_SCORE / 2 : MIN_SCORE;
  }
}
