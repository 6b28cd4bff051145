package io.opencdi.placement.plugins.imagelocality;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageLocalityTest {

  private final ImageLocality plugin = new ImageLocality();
  private final ClusterState cluster =
      cluster("c").images("desktop-xfce:1", "apps/gimp:2.10").build();

  private int score(DesktopRequest request) {
    return plugin.score(request, cluster, snapshot(cluster));
  }

  @Test
  void cachedImageScoresFull() {
    assertThat(score(request().image("desktop-xfce:1").build())).isEqualTo(100);
  }

  @Test
  void missingImageOrNoImageScoresZero() {
    assertThat(score(request().image("desktop-kde:1").build())).isZero();
    assertThat(score(request().build())).isZero();
  }

  @Test
  void layersCountAsImagesToo() {
    assertThat(score(request().image("desktop-xfce:1").layers(List.of("apps/gimp:2.10")).build()))
        .isEqualTo(100);
    assertThat(
            score(
                request()
                    .image("desktop-xfce:1")
                    .layers(List.of("apps/gimp:2.10", "apps/office:7"))
                    .build()))
        .isEqualTo(66);
    assertThat(score(request().image("desktop-kde:1").layers(List.of("apps/gimp:2.10")).build()))
        .isEqualTo(50);
  }
}
