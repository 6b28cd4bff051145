package io.opencdi.placement.plugins.imagelocality;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Prefers clusters that have the desktop image cached: a multi-gigabyte pull is most of a cold
 * start. 100 if cached, else 0 (the snapshot has no image sizes to scale by, unlike
 * kube-scheduler).
 */
public final class ImageLocality implements ScorePlugin {

  public static final String NAME = "ImageLocality";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    boolean cached =
        request.image().isPresent() && cluster.cachedImages().contains(request.image().get());
    return cached ? MAX_SCORE : MIN_SCORE;
  }
}
