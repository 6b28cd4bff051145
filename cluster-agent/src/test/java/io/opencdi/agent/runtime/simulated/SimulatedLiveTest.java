package io.opencdi.agent.runtime.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.ProcessUsage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated runtime's live state: made up, but within each desktop's limits and consistent. */
class SimulatedLiveTest {
  private static final Fleet FLEET =
      FleetFile.parse(
          """
          clusters:
            - name: bj-1
              region: cn-north
              nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110,
                       externalCpuMillis: 500, externalMemoryMiB: 1024 }
            - name: sh-1
              region: cn-east
              nodes: { count: 1, cpuMillis: 8000, memoryMiB: 32768 }
          """,
          "test");

  private final SimulatedRuntime runtime =
      new SimulatedRuntime(
          FLEET,
          new Latencies(
              Duration.ofMillis(5),
              Duration.ofMillis(10),
              Duration.ofMillis(5),
              Duration.ofMillis(5)));

  @AfterEach
  void close() {
    runtime.close();
  }

  @Test
  void runningDesktopsReportUseWithinTheirLimitsAndNodesAddItUp() {
    runtime.start(spec("d1", "bj-1", "bj-1-node-001", 2000, 4096));
    runtime.start(spec("d2", "bj-1", "bj-1-node-001", 4000, 8192));
    runtime.stop(spec("d3", "bj-1", "bj-1-node-002", 2000, 4096));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                runtime.inventory().stream().filter(s -> s.state() == DesktopState.RUNNING).count()
                    == 2);

    LiveReport report =
        runtime.live(new LiveQuery("q1", "bj-1", List.of("d1", "d2", "d3", "unknown"), true));

    assertThat(report.queryId()).isEqualTo("q1");
    assertThat(report.error()).isNull();
    assertThat(report.desktops())
        .as("only running desktops have use")
        .extracting(DesktopUsage::desktopId)
        .containsExactlyInAnyOrder("d1", "d2");
    DesktopUsage d1 =
        report.desktops().stream().filter(d -> d.desktopId().equals("d1")).findFirst().get();
    assertThat(d1.cpuMillis()).isBetween(100L, 1200L);
    assertThat(d1.memoryBytes()).isBetween(1228L << 20, 2868L << 20);
    assertThat(d1.processes())
        .extracting(ProcessUsage::command)
        .anyMatch(c -> c.startsWith("Xvnc"));
    assertThat(d1.processes().stream().mapToLong(ProcessUsage::rssBytes).sum())
        .isCloseTo(d1.memoryBytes(), org.assertj.core.data.Offset.offset(8L));
    assertThat(d1.processes())
        .extracting(ProcessUsage::cpuPercent)
        .isSortedAccordingTo((a, b) -> Double.compare(b, a));

    assertThat(report.nodes())
        .extracting(NodeUsage::name)
        .containsExactly("bj-1-node-001", "bj-1-node-002");
    NodeUsage n1 = report.nodes().get(0);
    assertThat(n1.desktops()).isEqualTo(2);
    assertThat(n1.cpuMillis()).isEqualTo(16000);
    long desktopsCpu = report.desktops().stream().mapToLong(DesktopUsage::cpuMillis).sum();
    assertThat(n1.usedCpuMillis()).isBetween(500 + desktopsCpu - 2, 500 + desktopsCpu + 2);
    assertThat(report.nodes().get(1).desktops()).isZero();
    assertThat(report.nodes().get(1).usedCpuMillis()).isEqualTo(500);
  }

  @Test
  void nodesOnlyWhenAskedAndAnUnknownClusterIsAnError() {
    assertThat(runtime.live(new LiveQuery("q2", "sh-1", List.of(), false)).nodes()).isEmpty();
    assertThat(runtime.live(new LiveQuery("q3", "nowhere", List.of(), true)).error())
        .contains("unknown cluster nowhere");
  }

  @Test
  void aConfiguredDelayHoldsTheAnswerOfThatClusterOnly() {
    runtime.setLiveDelay("sh-1", Duration.ofMillis(300));
    long started = System.nanoTime();
    runtime.live(new LiveQuery("q4", "sh-1", List.of(), true));
    assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(300_000_000L);
  }

  private static DesktopSpec spec(String id, String cluster, String node, long cpu, long memory) {
    return new DesktopSpec(
        id,
        id,
        "alice",
        cluster,
        node,
        "opencdi/desktop-xfce:0.1",
        cpu,
        memory,
        "runc",
        "longhorn",
        10,
        Power.ON);
  }
}
