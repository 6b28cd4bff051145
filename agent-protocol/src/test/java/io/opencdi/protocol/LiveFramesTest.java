package io.opencdi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The live-state request and its report on the wire. */
class LiveFramesTest {
  private final ProtocolCodec codec = new ProtocolCodec();

  @Test
  void queryAndReportRoundTrip() {
    LiveQuery query = new LiveQuery("q1", "bj-1", List.of("d1", "d2"), true);
    LiveReport report =
        new LiveReport(
            "q1",
            "bj-1",
            List.of(
                new DesktopUsage(
                    "d1",
                    1250,
                    512L << 20,
                    List.of(new ProcessUsage(42, "Xvnc :1", 3.5, 12.5, 64L << 20)),
                    1795862400000L),
                new DesktopUsage("d2", 0, 0, null, 1795862400000L)),
            List.of(new NodeUsage("n1", "amd64", true, 16000, 65536, 2500L, null, 3)),
            null);
    for (Message frame : List.of(query, report, LiveReport.failed(query, "metrics unavailable"))) {
      assertThat(codec.decode(codec.encode(frame))).isEqualTo(frame);
    }
  }

  @Test
  void queryHasTheDocumentedShape() {
    assertThat(codec.encode(new LiveQuery("q1", "bj-1", List.of("d1"), false)))
        .isEqualTo(
            "{\"type\":\"live-query\",\"queryId\":\"q1\",\"cluster\":\"bj-1\","
                + "\"desktopIds\":[\"d1\"],\"nodes\":false}");
  }

  @Test
  void absentListsDecodeAsEmptyAndAbsentProcessesStayUnknown() {
    LiveReport report =
        (LiveReport)
            codec.decode(
                "{\"type\":\"live-report\",\"queryId\":\"q1\",\"cluster\":\"c\","
                    + "\"desktops\":[{\"desktopId\":\"d1\",\"cpuMillis\":5,\"memoryBytes\":7,"
                    + "\"observedAtEpochMillis\":1}]}");
    assertThat(report.nodes()).isEmpty();
    assertThat(report.desktops())
        .singleElement()
        .satisfies(d -> assertThat(d.processes()).isNull());
  }
}
