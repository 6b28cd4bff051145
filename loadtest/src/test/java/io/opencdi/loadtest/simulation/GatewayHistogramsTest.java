package io.opencdi.loadtest.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.loadtest.harness.GatewayHistograms;
import org.junit.jupiter.api.Test;

class GatewayHistogramsTest {
  private static final String NAME = "opencdi_graphql_subscription_written_seconds";

  // As Micrometer's Prometheus registry writes a timer with a percentile histogram.
  private static final String TEXT =
      """
      # HELP opencdi_graphql_subscription_written_seconds from handing a next message ...
      # TYPE opencdi_graphql_subscription_written_seconds histogram
      opencdi_graphql_subscription_written_seconds_bucket{le="0.001"} 10.0
      opencdi_graphql_subscription_written_seconds_bucket{le="0.01"} 90.0
      opencdi_graphql_subscription_written_seconds_bucket{le="0.1"} 99.0
      opencdi_graphql_subscription_written_seconds_bucket{le="1.0"} 100.0
      opencdi_graphql_subscription_written_seconds_bucket{le="+Inf"} 100.0
      opencdi_graphql_subscription_written_seconds_count 100.0
      opencdi_graphql_subscription_written_seconds_sum 0.9
      opencdi_graphql_subscription_handout_wait_seconds_bucket{le="0.001"} 7.0
      opencdi_graphql_subscription_handout_wait_seconds_bucket{le="+Inf"} 7.0
      opencdi_graphql_websocket_writes_total 40.0
      opencdi_graphql_websocket_writes_total_other 3.0
      """;

  @Test
  void aQuantileIsTheUpperBoundOfTheFirstBucketThatHoldsIt() {
    GatewayHistograms h = new GatewayHistograms(TEXT);
    assertThat(h.count(NAME)).isEqualTo(100);
    assertThat(h.quantile(NAME, 0.10)).isEqualTo(0.001);
    assertThat(h.quantile(NAME, 0.5)).isEqualTo(0.01);
    assertThat(h.quantile(NAME, 0.99)).isEqualTo(0.1);
    assertThat(h.quantile(NAME, 1.0)).isEqualTo(1.0);
  }

  @Test
  void onlyTheNamedHistogramCountsAndOneThatRecordedNothingHasNoQuantile() {
    GatewayHistograms h = new GatewayHistograms(TEXT);
    assertThat(h.count("opencdi_graphql_subscription_handout_wait_seconds")).isEqualTo(7);
    assertThat(h.count("opencdi_graphql_subscription_written")).isZero();
    assertThat(h.quantile("opencdi_graphql_subscription_written", 0.99)).isNaN();
  }

  @Test
  void aCounterIsReadByItsExactName() {
    GatewayHistograms h = new GatewayHistograms(TEXT);
    assertThat(h.value("opencdi_graphql_websocket_writes_total")).isEqualTo(40.0);
    assertThat(h.value("opencdi_graphql_websocket_writes")).isZero();
  }

  @Test
  void bucketsWithOtherLabelsAreSummedPerBound() {
    String text =
        """
        x_seconds_bucket{gateway="a",le="0.5"} 1.0
        x_seconds_bucket{gateway="b",le="0.5"} 3.0
        x_seconds_bucket{gateway="a",le="+Inf"} 2.0
        x_seconds_bucket{gateway="b",le="+Inf"} 4.0
        """;
    GatewayHistograms h = new GatewayHistograms(text);
    assertThat(h.count("x_seconds")).isEqualTo(6);
    assertThat(h.quantile("x_seconds", 0.5)).isEqualTo(0.5);
    assertThat(h.quantile("x_seconds", 0.9)).isEqualTo(Double.POSITIVE_INFINITY);
  }
}
