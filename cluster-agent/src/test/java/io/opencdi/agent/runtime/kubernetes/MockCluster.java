package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
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
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Permission;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Kubernetes API server for tests: fabric8's mock server in CRUD mode with the shipped CRDs
 * installed. It runs no controllers: the test's own {@link #admin} client plays kubectl, the
 * scheduler and the kubelet. Every request the agent's client sends is recorded (it is told apart
 * by its user agent) and translated into the RBAC permission it needs.
 */
final class MockCluster implements AutoCloseable {
  static final String NS = "opencdi-desktops";
  static final String CLUSTER = "k8s-1";
  // The mock server logs every request at INFO; the tests' own assertions say what matters.
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
  private final List<String> agentRequests = new ArrayList<>();
  private KubernetesMockServer server;
  private int port;
  final KubernetesClient admin;

  MockCluster() {
    start(0);
    admin = client("opencdi-test");
    for (String file :
        List.of("desktops.opencdi.io-v1.yml", "desktopsnapshots.opencdi.io-v1.yml")) {
      try (InputStream in = Files.newInputStream(CrdDefinitionTest.CRDS.resolve(file))) {
        admin
            .resource(
                admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
            .create();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private void start(int onPort) {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), onPort);
    port = server.getPort();
  }

  /**
   * Drops every connection, watches included, and serves the same objects again on the same port.
   */
  void restart() {
    drain();
    server.destroy();
    start(port);
  }

  /** A client to the server; the agent's sends {@link KubernetesRuntimeFactory#USER_AGENT}. */
  KubernetesClient client(String userAgent) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port)
            .withNamespace(NS)
            .withTrustCerts(true)
            .withUserAgent(userAgent)
            .withWatchReconnectInterval(100)
            .withRequestRetryBackoffInterval(50)
            .withRequestRetryBackoffLimit(3)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  KubernetesRuntime runtime() {
    return runtime(settings());
  }

  KubernetesRuntime runtime(KubernetesSettings settings) {
    return new KubernetesRuntime(client(KubernetesRuntimeFactory.USER_AGENT), settings, true)
        .start(Duration.ofSeconds(30));
  }

  static KubernetesSettings settings() {
    return settings(Duration.ofMinutes(10));
  }

  static KubernetesSettings settings(Duration startDeadline) {
    return new KubernetesSettings(
        CLUSTER,
        Optional.empty(),
        Optional.empty(),
        NS,
        "opencdi-system",
        Map.of("app.kubernetes.io/name", "opencdi-agent"),
        "longhorn",
        "longhorn-snap",
        5901,
        Duration.ofMillis(20),
        Duration.ofMinutes(3),
        startDeadline,
        true);
  }

  <T extends HasMetadata> T create(T object) {
    return admin.resource(object).create();
  }

  /** A ready node with labels for arch, region and zone. */
  void node(String name, String arch, String cpu, String memory, int pods, String... images) {
    var node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels(CapacityCalculator.ARCH_LABEL, arch)
            .addToLabels(CapacityCalculator.REGION_LABEL, "eu-west")
            .addToLabels(CapacityCalculator.ZONE_LABEL, "eu-west-1b")
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .withNewStatus()
            .addToAllocatable("cpu", new Quantity(cpu))
            .addToAllocatable("memory", new Quantity(memory))
            .addToAllocatable("pods", new Quantity(Integer.toString(pods)))
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus();
    if (images.length > 0) {
      node.editStatus().addNewImage().withNames(images).withSizeBytes(1L).endImage().endStatus();
    }
    create(node.build());
  }

  void storageClass(String name) {
    create(
        new StorageClassBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withProvisioner("driver.longhorn.io")
            .build());
  }

  void runtimeClass(String name, String overheadCpu, String overheadMemory) {
    var rc =
        new RuntimeClassBuilder().withNewMetadata().withName(name).endMetadata().withHandler(name);
    if (overheadCpu != null) {
      rc.withNewOverhead()
          .addToPodFixed("cpu", new Quantity(overheadCpu))
          .addToPodFixed("memory", new Quantity(overheadMemory))
          .endOverhead();
    }
    create(rc.build());
  }

  /** Every request the agent sent so far, as "METHOD path?query". */
  synchronized List<String> agentRequests() {
    drain();
    return List.copyOf(agentRequests);
  }

  private synchronized void drain() {
    try {
      RecordedRequest request;
      while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        if (KubernetesRuntimeFactory.USER_AGENT.equals(request.getHeader("User-Agent"))) {
          agentRequests.add(request.getMethod() + " " + request.getPath());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The RBAC permissions the agent's requests needed. */
  Set<Permission> permissionsUsed() {
    Set<Permission> used = new LinkedHashSet<>();
    for (String request : agentRequests()) {
      used.add(permission(request));
    }
    return used;
  }

  /** Translates "METHOD /api[s]/…[?query]" into (group, resource, verb, scope) as RBAC does. */
  static Permission permission(String request) {
    String method = request.substring(0, request.indexOf(' '));
    String url = request.substring(request.indexOf(' ') + 1);
    String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
    String[] parts = (url.contains("?") ? url.substring(0, url.indexOf('?')) : url).split("/");
    // ["", "api", "v1", ...] or ["", "apis", group, version, ...]
    int i;
    String group;
    if ("api".equals(parts[1])) {
      group = "";
      i = 3;
    } else {
      group = parts[2];
      i = 4;
    }
    Scope scope = Scope.CLUSTER;
    if (i < parts.length && "namespaces".equals(parts[i]) && parts.length > i + 2) {
      scope = Scope.NAMESPACE;
      i += 2;
    }
    String resource = parts[i];
    String name = parts.length > i + 1 ? parts[i + 1] : null;
    if (parts.length > i + 2) {
      resource = resource + "/" + parts[i + 2];
    }
    String verb =
        switch (method) {
          case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> throw new IllegalArgumentException("unexpected request " + request);
        };
    return new Permission(group, resource, verb, scope);
  }

  @Override
  public void close() {
    admin.close();
    server.destroy();
  }
}
