package io.opencdi.agent.runtime.kubernetes;

import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.ID;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.NAME;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.eventually;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.spec;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.CLUSTER;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetricsBuilder;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsBuilder;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live state in the kubernetes runtime against the mock API server: desktops' use from
 * metrics.k8s.io PodMetrics, nodes from Node objects and NodeMetrics.
 */
class KubernetesLiveTest {
  private final KubernetesRuntimeTest k8s = new KubernetesRuntimeTest();

  @BeforeEach
  void setUp() {
    k8s.setUp();
    k8s.startRuntime();
  }

  @AfterEach
  void tearDown() {
    k8s.tearDown(); // also checks that every request the runtime sent is in its RBAC
  }

  @Test
  void desktopUseComesFromPodMetricsAndNodesFromNodesAndNodeMetrics() {
    k8s.runtime.start(spec());
    eventually().until(() -> k8s.pod(NAME) != null);
    k8s.kubeletRuns(NAME, "node-a");
    eventually().until(() -> k8s.lastState(ID) == DesktopState.RUNNING);
    // metrics-server copies the Pod's labels; the runtime selects desktop Pods by them.
    Map<String, String> labels = k8s.pod(NAME).getMetadata().getLabels();
    k8s.cluster.create(
        new PodMetricsBuilder()
            .withNewMetadata()
            .withName(NAME)
            .withNamespace(NS)
            .withLabels(labels)
            .endMetadata()
            .withTimestamp("2026-11-28T20:00:00Z")
            .withWindow(
                new io.fabric8.kubernetes.api.model.Duration(java.time.Duration.ofSeconds(15)))
            .addNewContainer()
            .withName("desktop")
            .withUsage(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("300Mi")))
            .endContainer()
            .addNewContainer()
            .withName("sidecar")
            .withUsage(Map.of("cpu", new Quantity("5m"), "memory", new Quantity("20Mi")))
            .endContainer()
            .build());
    k8s.cluster.create(
        new PodMetricsBuilder()
            .withNewMetadata()
            .withName("someone-elses-pod")
            .withNamespace(NS)
            .endMetadata()
            .addNewContainer()
            .withName("app")
            .withUsage(Map.of("cpu", new Quantity("3"), "memory", new Quantity("1Gi")))
            .endContainer()
            .build());
    k8s.cluster.create(
        new NodeMetricsBuilder()
            .withNewMetadata()
            .withName("node-a")
            .endMetadata()
            .withUsage(Map.of("cpu", new Quantity("1500m"), "memory", new Quantity("4Gi")))
            .build());

    LiveReport report =
        k8s.runtime.live(new LiveQuery("q1", CLUSTER, List.of(ID, "not-running-here"), true));

    assertThat(report.error()).isNull();
    assertThat(report.desktops())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.desktopId()).isEqualTo(ID);
              assertThat(d.cpuMillis()).isEqualTo(255);
              assertThat(d.memoryBytes()).isEqualTo(320L << 20);
              assertThat(d.processes()).as("no process lists without pods/exec").isNull();
              assertThat(d.observedAtEpochMillis())
                  .isEqualTo(java.time.Instant.parse("2026-11-28T20:00:00Z").toEpochMilli());
            });
    assertThat(report.nodes())
        .containsExactly(
            new NodeUsage("node-a", "amd64", true, 16000, 65536, 1500L, 4096L, 1),
            new NodeUsage("node-b", "arm64", true, 8000, 32768, null, null, 0));
  }

  @Test
  void withoutAskingForNodesOrRunningDesktopsNoMetricsAreRead() {
    LiveReport report = k8s.runtime.live(new LiveQuery("q2", CLUSTER, List.of(ID), false));
    assertThat(report.desktops()).isEmpty();
    assertThat(report.nodes()).isEmpty();
    assertThat(k8s.cluster.agentRequests()).noneMatch(r -> r.contains("metrics.k8s.io"));
    assertThat(k8s.runtime.live(new LiveQuery("q3", "elsewhere", List.of(), true)).error())
        .contains("unknown cluster elsewhere");
  }
}
