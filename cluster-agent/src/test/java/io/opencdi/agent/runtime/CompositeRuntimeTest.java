package io.opencdi.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opencdi.agent.runtime.simulated.FleetFile;
import io.opencdi.agent.runtime.simulated.Latencies;
import io.opencdi.agent.runtime.simulated.SimulatedRuntime;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CompositeRuntimeTest {
  private static final Latencies FAST =
      new Latencies(
          Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(1), Duration.ofMillis(5));

  @Test
  void routesByClusterAndMergesReportsAndListeners() {
    SimulatedRuntime fleet = new SimulatedRuntime(FleetFile.load(Optional.empty()), FAST);
    SimulatedRuntime other =
        new SimulatedRuntime(
            FleetFile.parse(
                "clusters:\n  - {name: lab-1, region: lab, nodes: {count: 1, cpuMillis: 4000,"
                    + " memoryMiB: 8192}}\n",
                "lab.yaml"),
            FAST);
    try (CompositeRuntime composite = new CompositeRuntime(List.of(fleet, other))) {
      assertThat(composite.kind()).isEqualTo("simulated,simulated");
      assertThat(composite.clusters()).extracting(ClusterReport::name).contains("bj-1", "lab-1");
      assertThat(composite.cluster("lab-1")).isPresent();
      assertThat(composite.isReady("lab-1")).isTrue();
      assertThat(composite.isReady("nowhere")).isFalse();

      List<DesktopStatus> statuses = new CopyOnWriteArrayList<>();
      composite.addListener(
          new RuntimeListener() {
            @Override
            public void statusChanged(DesktopStatus status) {
              statuses.add(status);
            }
          });
      assertThat(composite.start(spec("a", "lab-1", "lab-1-node-001")).accepted()).isTrue();
      assertThat(composite.start(spec("b", "bj-1", "bj-1-node-001")).accepted()).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  composite.inventory().stream()
                          .filter(s -> s.state() == DesktopState.RUNNING)
                          .count()
                      == 2);
      // Each desktop went to the runtime that serves its cluster, and both report to the listener.
      assertThat(other.inventory()).extracting(DesktopStatus::desktopId).containsExactly("a");
      assertThat(fleet.inventory()).extracting(DesktopStatus::desktopId).containsExactly("b");
      assertThat(statuses).extracting(DesktopStatus::desktopId).contains("a", "b");

      var refused = composite.start(spec("c", "nowhere", "n"));
      assertThat(refused.accepted()).isFalse();
      assertThat(refused.reason()).startsWith("unknown cluster nowhere; this agent serves bj-1");
      assertThat(composite.delete("nowhere", "c").accepted()).isFalse();
      assertThat(composite.display("lab-1", "a")).isEmpty();
    }
  }

  @Test
  void aClusterServedTwiceFailsStartUp() {
    SimulatedRuntime one = new SimulatedRuntime(FleetFile.load(Optional.empty()), FAST);
    SimulatedRuntime two = new SimulatedRuntime(FleetFile.load(Optional.empty()), FAST);
    try {
      assertThatThrownBy(() -> new CompositeRuntime(List.of(one, two)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cluster bj-1 is served by both the simulated and the simulated");
    } finally {
      one.close();
      two.close();
    }
  }

  private static DesktopSpec spec(String id, String cluster, String node) {
    return new DesktopSpec(
        id, id, "alice", cluster, node, "img", 500, 512, "runc", "longhorn", 1, Power.ON);
  }
}
