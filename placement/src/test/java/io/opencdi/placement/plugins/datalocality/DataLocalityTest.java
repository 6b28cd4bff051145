package io.opencdi.placement.plugins.datalocality;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import org.junit.jupiter.api.Test;

class DataLocalityTest {

  private final DataLocality plugin = new DataLocality();
  private final ClusterState home = cluster("home").build();

  private int score(DesktopRequest request) {
    return plugin.score(request, home, snapshot(home));
  }

  @Test
  void homeClusterScoresFull() {
    assertThat(score(request().homeClusterId("home").build())).isEqualTo(100);
  }

  @Test
  void otherClustersAndNoHomeScoreZero() {
    assertThat(score(request().homeClusterId("elsewhere").build())).isZero();
    assertThat(score(request().build())).isZero();
  }
}
