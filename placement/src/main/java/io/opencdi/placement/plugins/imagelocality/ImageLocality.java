package io.opencdi.placement.plugins.imagelocality;

import io.opencdi.placement.framework.ScorePlugin;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Snapshot;

/**
 * Prefers clusters that have the desktop's images cached: a multi-gigabyte pull is most of a cold
 * start. The images are the desktop image and its application layers; the score is the share of
 * them cached, 0 to 100 (the snapshot has no image sizes to weigh them by, unlike kube-scheduler).
 */
public final class ImageLocality implements ScorePlugin {

  public static final String NAME = "ImageLocality";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int score(DesktopRequest request, ClusterState cluster, Snapshot snapshot) {
    int wanted = request.layers().size() + (request.image().isPresent() ? 1 : 0);
    if (wanted == 0) {
      return MIN_SCORE;
    }
    int cached = 0;
    if (request.image().isPresent() && cluster.cachedImages().contains(request.image().get())) {
      cached++;
    }
    for (String layer : request.layers()) {
      if (cluster.cachedImages().contains(layer)) {
        cached++;
      }
    }
    return MIN_SCORE + (MAX_SCORE - MIN_SCORE) * cached / wanted;
  }
}
