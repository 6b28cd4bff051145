package io.opencdi.gateway.karmada;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.opencdi.gateway.karmada.KarmadaPermissions.Permission;
import io.opencdi.testing.kubernetes.MockApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Karmada API server for tests: fabric8's mock server in CRUD mode with the Desktop CRD (from
 * helm/opencdi-agent/crds) and Karmada's Cluster and PropagationPolicy kinds. It runs no Karmada
 * controllers: the test's {@link #admin} client plays them (writing Cluster status as the cluster
 * status controller would, and the Desktop's status as Karmada's status aggregation would). Every
 * request the gateway sends is recorded (told apart by its user agent).
 */
final class KarmadaMock implements AutoCloseable {
  static final String NS = "opencdi-desktops";
  static final Path DESKTOP_CRD =
      Path.of("..", "helm", "opencdi-agent", "crds", "desktops.opencdi.io-v1.yml");

  private final List<String> gatewayRequests = new CopyOnWriteArrayList<>();
  private final MockApiServer server =
      new MockApiServer(
          request -> {
            if (KarmadaClientFactory.USER_AGENT.equals(request.getHeader("User-Agent"))) {
              gatewayRequests.add(request.getMethod() + " " + request.getPath());
            }
          });
  final KubernetesClient admin;

  KarmadaMock() {
    admin = client();
    try (InputStream in = Files.newInputStream(DESKTOP_CRD)) {
      admin
          .resource(
              admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
          .create();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    admin.resource(crd(KarmadaObjects.CLUSTERS, "Cluster")).create();
    admin.resource(crd(KarmadaObjects.POLICIES, "Namespaced")).create();
  }

  /** A minimal CRD: enough for the server to know the kind's scope and its status subresource. */
  private static CustomResourceDefinition crd(ResourceDefinitionContext c, String scope) {
    boolean cluster = "Cluster".equals(scope);
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(c.getPlural() + "." + c.getGroup())
        .endMetadata()
        .withNewSpec()
        .withGroup(c.getGroup())
        .withScope(cluster ? "Cluster" : "Namespaced")
        .withNewNames()
        .withKind(c.getKind())
        .withPlural(c.getPlural())
        .endNames()
        .addNewVersion()
        .withName(c.getVersion())
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  String url() {
    return server.url();
  }

  /** Karmada goes away: every connection is dropped and nothing answers. */
  void stop() {
    server.stop();
  }

  /** Karmada is back, with the same objects, on the same port. */
  void restart() {
    server.start();
  }

  private KubernetesClient client() {
    Config config = server.config(NS, "karmada-test").build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  Resource<GenericKubernetesResource> desktop(String name) {
    return admin.genericKubernetesResources(KarmadaObjects.DESKTOPS).inNamespace(NS).withName(name);
  }

  Resource<GenericKubernetesResource> policy(String name) {
    return admin.genericKubernetesResources(KarmadaObjects.POLICIES).inNamespace(NS).withName(name);
  }

  List<GenericKubernetesResource> desktops() {
    return admin
        .genericKubernetesResources(KarmadaObjects.DESKTOPS)
        .inNamespace(NS)
        .list()
        .getItems();
  }

  /**
   * A member cluster as Karmada shows it: spec from the operator, status from Karmada's cluster
   * status controller (ready or not, and its resource summary).
   */
  void cluster(
      String name,
      String region,
      String zone,
      boolean ready,
      Map<String, String> allocatable,
      Map<String, String> allocated,
      Map<String, String> allocating,
      Map<String, String> annotations) {
    GenericKubernetesResource c = new GenericKubernetesResource();
    c.setApiVersion("cluster.karmada.io/v1alpha1");
    c.setKind("Cluster");
    c.setMetadata(new ObjectMetaBuilder().withName(name).withAnnotations(annotations).build());
    c.setAdditionalProperty(
        "spec",
        Map.of("region", region, "zone", zone, "provider", "test-cloud", "syncMode", "Pull"));
    var clusters = admin.genericKubernetesResources(KarmadaObjects.CLUSTERS);
    GenericKubernetesResource created = clusters.resource(c).createOr(NonDeletingOperation::update);
    created.setAdditionalProperty(
        "status",
        Map.of(
            "kubernetesVersion",
            "v1.31.0",
            "conditions",
            List.of(
                Map.of(
                    "type",
                    "Ready",
                    "status",
                    ready ? "True" : "False",
                    "reason",
                    ready ? "ClusterReady" : "ClusterNotReachable",
                    "lastTransitionTime",
                    "2026-11-28T20:00:00Z")),
            "resourceSummary",
            Map.of("allocatable", allocatable, "allocated", allocated, "allocating", allocating)));
    clusters.resource(created).updateStatus();
  }

  /** The operator unjoins a member cluster: its Cluster object goes from Karmada. */
  void removeCluster(String name) {
    admin.genericKubernetesResources(KarmadaObjects.CLUSTERS).withName(name).delete();
  }

  /** Karmada's status aggregation writes what the member's agent reported onto the Desktop. */
  void desktopStatus(String name, String state, String node, String reason) {
    GenericKubernetesResource d = desktop(name).get();
    Map<String, Object> status = new HashMap<>();
    status.put("state", state);
    status.put("node", node);
    if (reason != null) {
      status.put("reason", reason);
    }
    status.put("lastTransitionTime", java.time.OffsetDateTime.now().toString());
    d.setAdditionalProperty("status", status);
    admin
        .genericKubernetesResources(KarmadaObjects.DESKTOPS)
        .inNamespace(NS)
        .resource(d)
        .updateStatus();
  }

  /** Every request the gateway sent so far, as "METHOD path?query". */
  List<String> gatewayRequests() {
    server.drain();
    return List.copyOf(gatewayRequests);
  }

  /** The RBAC permissions the gateway's requests needed. */
  Set<Permission> permissionsUsed() {
    Set<Permission> used = new LinkedHashSet<>();
    for (String request : gatewayRequests()) {
      used.add(permission(request));
    }
    return used;
  }

  /** Translates "METHOD /apis/group/version/…[?query]" into the permission RBAC checks. */
  static Permission permission(String request) {
    String method = request.substring(0, request.indexOf(' '));
    String url = request.substring(request.indexOf(' ') + 1);
    String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
    String[] parts = (url.contains("?") ? url.substring(0, url.indexOf('?')) : url).split("/");
    // ["", "apis", group, version, ("namespaces", ns,)? resource, (name, (subresource)?)?]
    String group = parts[2];
    int i = 4;
    boolean namespaced = false;
    if (i < parts.length && "namespaces".equals(parts[i]) && parts.length > i + 2) {
      namespaced = true;
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
    return new Permission(group, resource, verb, namespaced);
  }

  @Override
  public void close() {
    admin.close();
    server.stop();
  }
}
