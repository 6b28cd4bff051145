package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Capacity from Nodes and Pods, counted exactly as kube-scheduler counts it. */
class CapacityTest {
  MockCluster cluster;
  KubernetesRuntime runtime;
  final AtomicInteger signals = new AtomicInteger();

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.node(
        "node-a",
        "amd64",
        "16",
        "64Gi",
        110,
        "opencdi/desktop-xfce:0.1",
        "opencdi/desktop-xfce@sha256:0123abcd");
    cluster.node("node-b", "arm64", "8", "32Gi", 110, "opencdi/desktop-kde:0.1");
    cluster.create(
        new NodeBuilder(cluster.admin.nodes().withName("node-b").get())
            .editMetadata()
            .withName("node-t")
            .withResourceVersion(null)
            .withUid(null)
            .endMetadata()
            .editSpec()
            .addNewTaint()
            .withKey("gpu")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .editStatus()
            .withImages()
            .addNewImage()
            .withNames("tainted/only:1")
            .endImage()
            .endStatus()
            .build());
    cluster.node("node-c", "amd64", "4", "8Gi", 110);
    cluster
        .admin
        .nodes()
        .withName("node-c")
        .edit(
            n -> {
              n.getSpec().setUnschedulable(true);
              return n;
            });
    cluster.storageClass("longhorn");
    cluster.runtimeClass("gvisor", "250m", "128Mi");

    pod("kube-system", "coredns", "node-a", Map.of(), null, container("100m", "70Mi"));
    Pod app =
        new PodBuilder(
                podOf(
                    "default",
                    "app",
                    "node-a",
                    Map.of(),
                    null,
                    container("500m", "1Gi"),
                    container("250m", "512Mi")))
            .editSpec()
            .addToInitContainers(
                new ContainerBuilder(container("1", "256Mi")).withName("init").build())
            .endSpec()
            .build();
    cluster.create(app);
    pod("default", "batch-done", "node-a", Map.of(), null, container("4", "8Gi"));
    Pod done = cluster.admin.pods().inNamespace("default").withName("batch-done").get();
    done.setStatus(new PodStatusBuilder().withPhase("Succeeded").build());
    cluster.admin.pods().inNamespace("default").resource(done).updateStatus();
    pod("default", "unbound", null, Map.of(), null, container("4", "8Gi"));
    // A desktop Pod in gVisor: its requests are the gateway's books, its overhead is not.
    pod(
        MockCluster.NS,
        "desktop-d1",
        "node-b",
        DesktopResources.labels("desktop-d1", "desktop"),
        "gvisor",
        container("2", "4Gi"));
    // Admission already filled spec.overhead here (a Kata Pod): it counts as it is.
    Pod kata =
        new PodBuilder(
                podOf("default", "kata-app", "node-b", Map.of(), null, container("1", "512Mi")))
            .editSpec()
            .withRuntimeClassName("kata")
            .withOverhead(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")))
            .endSpec()
            .build();
    cluster.create(kata);
  }

  @AfterEach
  void tearDown() {
    if (runtime != null) {
      runtime.close();
    }
    assertThat(ApiPermissions.REQUIRED).containsAll(cluster.permissionsUsed());
    cluster.close();
  }

  static io.fabric8.kubernetes.api.model.Container container(String cpu, String memory) {
    return new ContainerBuilder()
        .withName("c" + cpu.hashCode() + memory.hashCode())
        .withImage("example/app:1")
        .withNewResources()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .endResources()
        .build();
  }

  static Pod podOf(
      String namespace,
      String name,
      String node,
      Map<String, String> labels,
      String runtimeClass,
      io.fabric8.kubernetes.api.model.Container... containers) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .withRuntimeClassName(runtimeClass)
        .withContainers(containers)
        .endSpec()
        .build();
  }

  void pod(
      String namespace,
      String name,
      String node,
      Map<String, String> labels,
      String runtimeClass,
      io.fabric8.kubernetes.api.model.Container... containers) {
    cluster.create(podOf(namespace, name, node, labels, runtimeClass, containers));
  }

  NodeGroupReport group(ClusterReport report, String name) {
    return report.nodeGroups().stream()
        .filter(g -> g.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theReportIsExactPerNode() {
    runtime = cluster.runtime();
    ClusterReport report = runtime.clusters().getFirst();

    assertThat(report.name()).isEqualTo(MockCluster.CLUSTER);
    assertThat(report.region()).isEqualTo("eu-west");
    assertThat(report.zone()).isEqualTo("eu-west-1b");
    assertThat(report.architectures()).containsExactly("amd64", "arm64");
    assertThat(report.runtimeClasses()).containsExactly("runc", "gvisor");
    assertThat(report.storageClasses()).containsExactly("longhorn");
    // Tagged names only, and none from nodes desktops cannot use.
    assertThat(report.cachedImages())
        .containsExactly("opencdi/desktop-kde:0.1", "opencdi/desktop-xfce:0.1");
    // The tainted and the cordoned node take no desktops.
    assertThat(report.nodeGroups())
        .extracting(NodeGroupReport::name)
        .containsExactly("node-a", "node-b");

    // node-a: coredns 100m/70Mi + app max(500m+250m, init 1) = 1000m / max(1.5Gi, 256Mi);
    // the finished and the unbound Pods count for nothing.
    assertThat(group(report, "node-a"))
        .isEqualTo(new NodeGroupReport("node-a", "amd64", 16000, 65536, 108, 1100, 1606));
    // node-b: the desktop's gVisor overhead 250m/128Mi + kata-app 1 CPU/512Mi with its own
    // overhead 500m/256Mi; the desktop's own 2 CPU/4 GiB are the gateway's.
    assertThat(group(report, "node-b"))
        .isEqualTo(new NodeGroupReport("node-b", "arm64", 8000, 32768, 109, 1750, 896));

    List<NodeCapacity> nodes = runtime.nodeCapacity();
    NodeCapacity b =
        nodes.stream().filter(n -> n.name().equals("node-b")).findFirst().orElseThrow();
    assertThat(b.desktopCpuMillis()).isEqualTo(2000);
    assertThat(b.desktopMemoryMiB()).isEqualTo(4096);
    assertThat(b.freeCpuMillis()).isEqualTo(4250);
    assertThat(b.freeMemoryMiB()).isEqualTo(27776);
    NodeCapacity t =
        nodes.stream().filter(n -> n.name().equals("node-t")).findFirst().orElseThrow();
    assertThat(t.excludedBecause()).isEqualTo("tainted gpu:NoSchedule");
    NodeCapacity c =
        nodes.stream().filter(n -> n.name().equals("node-c")).findFirst().orElseThrow();
    assertThat(c.excludedBecause()).isEqualTo("cordoned");

    // Per-node fit: 19.15 free CPUs in all, but a 15-CPU desktop fits on no single node.
    assertThat(nodes.stream().filter(n -> n.fits(5000, 4096)).map(NodeCapacity::name))
        .containsExactly("node-a");
    assertThat(nodes.stream().filter(n -> n.fits(4000, 4096)).map(NodeCapacity::name))
        .containsExactly("node-a", "node-b");
    assertThat(
            nodes.stream()
                .filter(NodeCapacity::schedulable)
                .mapToLong(NodeCapacity::freeCpuMillis)
                .sum())
        .isEqualTo(19150);
    assertThat(nodes.stream().filter(n -> n.fits(15000, 1024))).isEmpty();
    assertThat(nodes.stream().filter(n -> n.fits(1000, 1024)).map(NodeCapacity::name))
        .as("tainted and cordoned nodes never fit")
        .containsExactly("node-a", "node-b");
    assertThat(runtime.isReady(MockCluster.CLUSTER)).isTrue();
  }

  @Test
  void changesAreSignalledAsTheyHappen() {
    runtime = cluster.runtime();
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void capacityChanged(String name) {
            assertThat(name).isEqualTo(MockCluster.CLUSTER);
            signals.incrementAndGet();
          }
        });
    pod("default", "newcomer", "node-a", Map.of(), null, container("3", "2Gi"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                signals.get() > 0
                    && group(runtime.clusters().getFirst(), "node-a").externalCpuMillis() == 4100);
    assertThat(group(runtime.clusters().getFirst(), "node-a").externalMemoryMiB()).isEqualTo(3654);

    int before = signals.get();
    cluster
        .admin
        .nodes()
        .withName("node-c")
        .edit(
            n -> {
              n.getSpec().setUnschedulable(false);
              return n;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                signals.get() > before
                    && runtime.clusters().getFirst().nodeGroups().stream()
                        .anyMatch(g -> g.name().equals("node-c")));
    cluster.runtimeClass("kata", null, null);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> runtime.clusters().getFirst().runtimeClasses().contains("kata"));
  }
}
