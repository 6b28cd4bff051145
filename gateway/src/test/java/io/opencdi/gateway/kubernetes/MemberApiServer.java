package io.opencdi.gateway.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A member cluster's API server for the gateway's tests: fabric8's mock server in CRUD mode with
 * the agent's CRDs (from helm/opencdi-agent/crds) installed. It runs no controllers: the test's
 * {@link #admin} client plays the operator that labelled the nodes, the scheduler and the kubelet.
 * The same seeding as cluster-agent's MockCluster, which the gateway's tests cannot see.
 */
final class MemberApiServer implements AutoCloseable {
  /** The agent's default namespace for desktops. */
  static final String NS = "opencdi-desktops";

  static final String REGION_LABEL = "topology.kubernetes.io/region";
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  static final String ARCH_LABEL = "kubernetes.io/arch";
  private static final Path CRDS = Path.of("..", "helm", "opencdi-agent", "crds");

  static {
    // The mock server logs every request at INFO.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  final KubernetesClient admin;

  MemberApiServer() {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    admin =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(url())
                    .withNamespace(NS)
                    .withUserAgent("opencdi-gateway-test")
                    .withRequestRetryBackoffLimit(3)
                    .build())
            .build();
    for (String file :
        List.of("desktops.opencdi.io-v1.yml", "desktopsnapshots.opencdi.io-v1.yml")) {
      try (InputStream in = Files.newInputStream(CRDS.resolve(file))) {
        admin
            .resource(
                admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
            .create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /**
   * Settings that point an agent with the kubernetes runtime at this server, through fabric8's own
   * system properties as an operator would (no kubeconfig, no service account).
   */
  Map<String, String> agentSettings(String clusterName) {
    return Map.of(
        "opencdi.agent.runtime",
        "kubernetes",
        "opencdi.agent.kubernetes.cluster-name",
        clusterName,
        "opencdi.agent.kubernetes.namespace",
        NS,
        "kubernetes.master",
        url(),
        "kubernetes.auth.tryKubeConfig",
        "false",
        "kubernetes.auth.tryServiceAccount",
        "false");
  }

  /** A Ready node; {@code cordoned} as {@code kubectl cordon} leaves it. */
  void node(
      String name,
      String cpu,
      String memory,
      int pods,
      String region,
      String zone,
      boolean cordoned) {
    admin
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(ARCH_LABEL, "amd64")
                .addToLabels(REGION_LABEL, region)
                .addToLabels(ZONE_LABEL, zone)
                .endMetadata()
                .withNewSpec()
                .withUnschedulable(cordoned)
                .endSpec()
                .withNewStatus()
                .addToAllocatable("cpu", new Quantity(cpu))
                .addToAllocatable("memory", new Quantity(memory))
                .addToAllocatable("pods", new Quantity(Integer.toString(pods)))
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

  /** A RuntimeClass whose sandbox costs {@code overheadCpu}/{@code overheadMemory} per Pod. */
  void runtimeClass(String name, String handler, String overheadCpu, String overheadMemory) {
    admin
        .resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withHandler(handler)
                .withNewOverhead()
                .addToPodFixed("cpu", new Quantity(overheadCpu))
                .addToPodFixed("memory", new Quantity(overheadMemory))
                .endOverhead()
                .build())
        .create();
  }

  void storageClass(String name) {
    admin
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withProvisioner("driver.longhorn.io")
                .build())
        .create();
  }

  /** A running Pod that is not a desktop (a node agent, a CNI daemon): the cluster's own load. */
  void systemPod(String name, String node, String cpu, String memory) {
    admin
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("main")
                .withImage("registry.k8s.io/pause:3.10")
                .withNewResources()
                .addToRequests("cpu", new Quantity(cpu))
                .addToRequests("memory", new Quantity(memory))
                .endResources()
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build())
        .create();
  }

  Pod pod(String name) {
    return admin.pods().inNamespace(NS).withName(name).get();
  }

  GenericKubernetesResource desktop(String name) {
    return admin
        .genericKubernetesResources("opencdi.io/v1alpha1", "Desktop")
        .inNamespace(NS)
        .withName(name)
        .get();
  }

  PersistentVolumeClaim claim(String name) {
    return admin.persistentVolumeClaims().inNamespace(NS).withName(name).get();
  }

  /** The scheduler binds the Pod to {@code node}. */
  void schedule(String name, String node) {
    admin
        .pods()
        .inNamespace(NS)
        .withName(name)
        .edit(
            p -> {
              p.getSpec().setNodeName(node);
              return p;
            });
  }

  /** The kubelet on the Pod's node reports it running and ready. */
  void kubeletRuns(String name) {
    kubeletReports(
        name,
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("True")
            .endCondition()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .build());
  }

  /** The kubelet cannot pull the image and backs off. */
  void kubeletCannotPull(String name, String image) {
    kubeletReports(
        name,
        new PodStatusBuilder()
            .withPhase("Pending")
            .addToContainerStatuses(
                new ContainerStatusBuilder()
                    .withName("desktop")
                    .withImage(image)
                    .withReady(false)
                    .withNewState()
                    .withNewWaiting()
                    .withReason("ImagePullBackOff")
                    .withMessage("Back-off pulling image \"" + image + "\"")
                    .endWaiting()
                    .endState()
                    .build())
            .build());
  }

  /** The kubelet records a Warning about the Pod (its current incarnation, by uid). */
  void kubeletWarns(String name, String reason, String message) {
    Pod pod = pod(name);
    String now = Instant.now().toString();
    admin
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withGenerateName(name + ".")
                .withNamespace(NS)
                .endMetadata()
                .withType("Warning")
                .withReason(reason)
                .withMessage(message)
                .withNewInvolvedObject()
                .withApiVersion("v1")
                .withKind("Pod")
                .withNamespace(NS)
                .withName(name)
                .withUid(pod.getMetadata().getUid())
                .endInvolvedObject()
                .withNewSource()
                .withComponent("kubelet")
                .withHost(pod.getSpec().getNodeName())
                .endSource()
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build())
        .create();
  }

  private void kubeletReports(String name, PodStatus status) {
    Pod pod = pod(name);
    pod.setStatus(status);
    admin.pods().inNamespace(NS).resource(pod).updateStatus();
  }

  @Override
  public void close() {
    admin.close();
    server.destroy();
  }
}
