package io.opencdi.placement.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DesktopRequestTest {

  @Test
  void builderSetsOnlyWhatIsGiven() {
    DesktopRequest request =
        DesktopRequest.builder("bob", 2000, 4096).runtimeClass("gvisor").region("eu").build();
    assertThat(request.owner()).isEqualTo("bob");
    assertThat(request.runtimeClass()).hasValue("gvisor");
    assertThat(request.region()).hasValue("eu");
    assertThat(request.zone()).isEmpty();
    assertThat(request.quota()).isEmpty();
  }

  @Test
  void withQuotaKeepsEverythingElse() {
    DesktopRequest request = DesktopRequest.builder("bob", 2000, 4096).image("xfce").build();
    QuotaAllowance allowance = new QuotaAllowance(1, 2000, 4096);
    DesktopRequest limited = request.withQuota(allowance);
    assertThat(limited.quota()).hasValue(allowance);
    assertThat(limited.image()).isEqualTo(request.image());
    assertThat(limited.withQuota(allowance)).isEqualTo(limited);
  }

  @Test
  void rejectsDesktopsWithoutResources() {
    assertThatThrownBy(() -> DesktopRequest.builder("bob", 0, 4096).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive CPU and memory");
    assertThatThrownBy(
            () ->
                new DesktopRequest(
                    "bob",
                    1,
                    1,
                    null,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    java.util.List.of()))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void quotaCountsDown() {
    assertThat(new QuotaAllowance(2, 4000, 8192).minus(1, 1000, 2048))
        .isEqualTo(new QuotaAllowance(1, 3000, 6144));
  }
}
