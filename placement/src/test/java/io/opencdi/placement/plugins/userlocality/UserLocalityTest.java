package io.opencdi.placement.plugins.userlocality;

import static io.opencdi.placement.Fixtures.cluster;
import static io.opencdi.placement.Fixtures.request;
import static io.opencdi.placement.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import org.junit.jupiter.api.Test;

class UserLocalityTest {

  private final UserLocality plugin = new UserLocality();
  private final ClusterState frankfurtA =
      cluster("c").location("eu-central", "eu-central-a").build();

  private int score(DesktopRequest request) {
    return plugin.score(request, frankfurtA, snapshot(frankfurtA));
  }

  @Test
  void sameZoneBeatsSameRegionBeatsElsewhere() {
    assertThat(score(request().region("eu-central").zone("eu-central-a").build())).isEqualTo(100);
    assertThat(score(request().region("eu-central").zone("eu-central-b").build())).isEqualTo(50);
    assertThat(score(request().region("us-east").zone("us-east-a").build())).isZero();
  }

  @Test
  void zoneAloneCountsButNotInsideAnotherRegion() {
    assertThat(score(request().zone("eu-central-a").build())).isEqualTo(100);
    assertThat(score(request().region("us-east").zone("eu-central-a").build())).isZero();
  }

  @Test
  void noLocationScoresZero() {
    assertThat(score(request().build())).isZero();
    assertThat(plugin.normalize()).isFalse();
  }
}
