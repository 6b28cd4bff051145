package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Permission;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Scope;
import io.opencdi.testing.kubernetes.MemberCluster;
import io.opencdi.testing.kubernetes.NodeSpec;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's view of a test cluster ({@link MemberCluster}, shared with the gateway's tests): the
 * agent's runtime and settings pointed at it, and every request the agent's client sent (told apart
 * by its user agent) translated into the RBAC permission it needs.
 */
final class MockCluster implements AutoCloseable {
  static final String NS = "opencdi-desktops";
  static final String CLUSTER = "k8s-1";

  private final MemberCluster member = new MemberCluster(NS);
  final KubernetesClient admin = member.admin();

  /** The API server itself, for the scheduler's and the kubelet's part. */
  MemberCluster member() {
    return member;
  }

  /**
   * Drops every connection, watches included, and serves the same objects again on the same port.
   */
  void restart() {
    member.restart();
  }

  /** A client to the server; the agent's sends {@link KubernetesRuntimeFactory#USER_AGENT}. */
  KubernetesClient client(String userAgent) {
    return member.client(userAgent);
  }

  KubernetesRuntime runtime() {
    return runtime(settings());
  }

  KubernetesRuntime runtime(KubernetesSettings settings) {
    return new KubernetesRuntime(client(KubernetesRuntimeFactory.USER_AGENT), settings, true)
        .start(Duration.ofSeconds(30));
  }

  /** Where the agent's pods have their addresses in these tests. */
  static final String SOUND_FROM = "10.244.0.0/16";

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
        true,
        Optional.of(SOUND_FROM));
  }

  <T extends HasMetadata> T create(T object) {
    return member.create(object);
  }

  /** A ready amd64 or arm64 node in eu-west-1b that has pulled {@code images}. */
  void node(String name, String arch, String cpu, String memory, int pods, String... images) {
    member.node(NodeSpec.of(name, cpu, memory, pods).arch(arch).images(images));
  }

  void storageClass(String name) {
    member.storageClass(name);
  }

  void runtimeClass(String name, String overheadCpu, String overheadMemory) {
    member.runtimeClass(name, name, overheadCpu, overheadMemory);
  }

  /** Every request the agent sent so far, as "METHOD path?query". */
  List<String> agentRequests() {
    return member.requests().stream()
        .filter(r -> KubernetesRuntimeFactory.USER_AGENT.equals(r.getHeader("User-Agent")))
        .map(r -> r.getMethod() + " " + r.getPath())
        .toList();
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
    member.close();
  }
}
