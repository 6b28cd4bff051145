package io.opencdi.testing.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A member cluster's Kubernetes API server for tests: fabric8's mock server in CRUD mode on
 * loopback, with the shipped CRDs ({@code Desktop}, {@code DesktopSnapshot}) installed and the
 * desktops' namespace created. It runs no controllers: {@link #admin()} plays kubectl, and the
 * methods below play the scheduler and the kubelet. The agent's and the gateway's tests seed their
 * clusters through it, so both see the same objects.
 */
public final class MemberCluster implements AutoCloseable {
  /** Where the shipped CRDs are, from a module's directory (where Maven runs its tests). */
  public static final Path CRDS = Path.of("..", "helm", "opencdi-agent", "crds");

  public static final String REGION_LABEL = "topology.kubernetes.io/region";
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  public static final String ARCH_LABEL = "kubernetes.io/arch";

  private final String namespace;
  private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
  private final MockApiServer server = new MockApiServer(received::add);
  private final KubernetesClient admin;

  /** Starts a server whose desktops live in {@code namespace}. */
  public MemberCluster(String namespace) {
    this.namespace = namespace;
    admin = client("opencdi-test");
    for (String file :
        List.of("desktops.opencdi.io-v1.yml", "desktopsnapshots.opencdi.io-v1.yml")) {
      try (InputStream in = Files.newInputStream(CRDS.resolve(file))) {
        create(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    create(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build());
  }

  /**
   * Drops every connection, watches included, and serves the same objects again on the same port.
   */
  public void restart() {
    server.stop();
    server.start();
  }

  public String url() {
    return server.url();
  }

  /**
   * The system properties that point a process's fabric8 client at this server, as an operator
   * would (no kubeconfig, no service account).
   */
  public java.util.Map<String, String> clientProperties() {
    return java.util.Map.of(
        "kubernetes.master",
        url(),
        "kubernetes.auth.tryKubeConfig",
        "false",
        "kubernetes.auth.tryServiceAccount",
        "false");
  }

  public String namespace() {
    return namespace;
  }

  /** The test's own client, as kubectl. */
  public KubernetesClient admin() {
    return admin;
  }

  /**
   * A client to the server that sends {@code userAgent} (requests are told apart by it) and
   * reconnects its watches and retries quickly, as the tests' timeouts need.
   */
  public KubernetesClient client(String userAgent) {
    Config config =
        server
            .config(namespace, userAgent)
            .withWatchReconnectInterval(100)
            .withRequestRetryBackoffInterval(50)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Every request the server received so far, across restarts, in order. */
  public List<RecordedRequest> requests() {
    server.drain();
    return List.copyOf(received);
  }

  public <T extends HasMetadata> T create(T object) {
    return admin.resource(object).create();
  }

  /** A Ready node as {@code spec} describes it. */
  public void node(NodeSpec spec) {
    var node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(spec.name())
            .addToLabels(ARCH_LABEL, spec.arch())
            .addToLabels(REGION_LABEL, spec.region())
            .addToLabels(ZONE_LABEL, spec.zone())
            .endMetadata()
            .withNewSpec()
            .withUnschedulable(spec.cordoned())
            .endSpec()
            .withNewStatus()
            .addToAllocatable("cpu", new Quantity(spec.cpu()))
            .addToAllocatable("memory", new Quantity(spec.memory()))
            .addToAllocatable("pods", new Quantity(Integer.toString(spec.pods())))
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus();
    if (!spec.images().isEmpty()) {
      node.editStatus()
          .addNewImage()
          .withNames(spec.images())
          .withSizeBytes(1L)
          .endImage()
          .endStatus();
    }
    create(node.build());
  }

  /** A Longhorn storage class. */
  public void storageClass(String name) {
    create(
        new StorageClassBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withProvisioner("driver.longhorn.io")
            .build());
  }

  /**
   * A RuntimeClass; unless {@code overheadCpu} is null its sandbox costs {@code overheadCpu}/{@code
   * overheadMemory} per Pod.
   */
  public void runtimeClass(String name, String handler, String overheadCpu, String overheadMemory) {
    var rc =
        new RuntimeClassBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withHandler(handler);
    if (overheadCpu != null) {
      rc.withNewOverhead()
          .addToPodFixed("cpu", new Quantity(overheadCpu))
          .addToPodFixed("memory", new Quantity(overheadMemory))
          .endOverhead();
    }
    create(rc.build());
  }

  /** A running Pod that is not a desktop (a node agent, a CNI daemon): the cluster's own load. */
  public void systemPod(String name, String node, String cpu, String memory) {
    create(
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
            .build());
  }

  /** A Pod of the desktops' namespace, or null. */
  public Pod pod(String name) {
    return admin.pods().inNamespace(namespace).withName(name).get();
  }

  /** A {@code Desktop} of the desktops' namespace, or null. */
  public GenericKubernetesResource desktop(String name) {
    return admin
        .genericKubernetesResources("opencdi.io/v1alpha1", "Desktop")
        .inNamespace(namespace)
        .withName(name)
        .get();
  }

  /** A PersistentVolumeClaim of the desktops' namespace, or null. */
  public PersistentVolumeClaim claim(String name) {
    return admin.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
  }

  /** The scheduler binds the Pod to {@code node}. */
  public void schedule(String name, String node) {
    admin
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .edit(
            p -> {
              p.getSpec().setNodeName(node);
              return p;
            });
  }

  /** The kubelet on the Pod's node reports it running and ready. */
  public void kubeletRuns(String name) {
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
  public void kubeletCannotPull(String name, String image) {
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
  public void kubeletWarns(String name, String reason, String message) {
    Pod pod = pod(name);
    Instant now = Instant.now();
    warns(
        name,
        pod.getMetadata().getUid(),
        pod.getSpec().getNodeName(),
        reason,
        message,
        now,
        now,
        1);
  }

  /**
   * A component on {@code host} (a kubelet, the attach/detach controller) records a Warning about
   * the Pod {@code name} of uid {@code uid}, counted {@code count} times from {@code first} to
   * {@code last}.
   */
  public Event warns(
      String name,
      String uid,
      String host,
      String reason,
      String message,
      Instant first,
      Instant last,
      int count) {
    return create(
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(name + ".")
            .withNamespace(namespace)
            .endMetadata()
            .withType("Warning")
            .withReason(reason)
            .withMessage(message)
            .withNewInvolvedObject()
            .withApiVersion("v1")
            .withKind("Pod")
            .withNamespace(namespace)
            .withName(name)
            .withUid(uid)
            .endInvolvedObject()
            .withNewSource()
            .withComponent("kubelet")
            .withHost(host)
            .endSource()
            .withFirstTimestamp(first.toString())
            .withLastTimestamp(last.toString())
            .withCount(count)
            .build());
  }

  /** The kubelet replaces the Pod's status with {@code status}. */
  public void kubeletReports(String name, PodStatus status) {
    Pod pod = pod(name);
    pod.setStatus(status);
    admin.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  @Override
  public void close() {
    admin.close();
    server.stop();
  }
}
