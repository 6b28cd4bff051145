package io.opencdi.agent.runtime.kubernetes;

import java.util.List;

/**
 * Every Kubernetes API call the {@code kubernetes} runtime makes, in one place. The agent's RBAC
 * ({@code helm/opencdi-agent/rbac/}) grants exactly these: a test compares the two, and the
 * mock-server tests check that every request the runtime sends is listed here and that everything
 * listed is used.
 */
public final class ApiPermissions {

  /** Where a permission applies: the desktops' namespace (a Role) or the cluster (ClusterRole). */
  public enum Scope {
    NAMESPACE,
    CLUSTER
  }

  /**
   * One permission.
   *
   * @param group API group ("" for the core group)
   * @param resource resource, with {@code /subresource} when it is one
   * @param verb RBAC verb
   * @param scope namespace or cluster
   */
  public record Permission(String group, String resource, String verb, Scope scope) {
    @Override
    public String toString() {
      return scope + " " + (group.isEmpty() ? "core" : group) + "/" + resource + " " + verb;
    }
  }

  private ApiPermissions() {}

  /** What the runtime needs, and nothing else. */
  public static final List<Permission> REQUIRED =
      List.of(
              // Desktops: informer, commands (create, patch power, delete), status, finalizer.
              // get: a merge patch by name reads the object first.
              ns("opencdi.io", "desktops", "get", "list", "watch", "create", "patch", "delete"),
              ns("opencdi.io", "desktops/status", "patch"),
              // DesktopSnapshots: informer, snapshot and delete-snapshot commands.
              ns("opencdi.io", "desktopsnapshots", "list", "watch", "create", "delete"),
              ns("opencdi.io", "desktopsnapshots/status", "patch"),
              // What a Desktop becomes; informers tell what exists, so no get.
              ns("", "pods", "create", "patch", "delete"),
              // Warning events of the desktops' Pods (sandbox, volumes, scheduler): informer only.
              ns("", "events", "list", "watch"),
              ns("", "persistentvolumeclaims", "list", "watch", "create", "delete"),
              ns("", "services", "list", "watch", "create", "delete"),
              ns("networking.k8s.io", "networkpolicies", "list", "watch", "create", "delete"),
              ns("snapshot.storage.k8s.io", "volumesnapshots", "list", "watch", "create"),
              // Capacity: every node, every pod on them, the classes a desktop may ask for.
              cluster("", "nodes", "list", "watch"),
              cluster("", "pods", "list", "watch"),
              cluster("node.k8s.io", "runtimeclasses", "list", "watch"),
              cluster("storage.k8s.io", "storageclasses", "list", "watch"),
              // Live state: what the desktops' Pods and the nodes use now (kubectl top). No
              // pods/exec: process lists are not read in this runtime (ADR 0012).
              ns("metrics.k8s.io", "pods", "list"),
              cluster("metrics.k8s.io", "nodes", "list"))
          .stream()
          .flatMap(List::stream)
          .toList();

  private static List<Permission> ns(String group, String resource, String... verbs) {
    return List.of(verbs).stream()
        .map(v -> new Permission(group, resource, v, Scope.NAMESPACE))
        .toList();
  }

  private static List<Permission> cluster(String group, String resource, String... verbs) {
    return List.of(verbs).stream()
        .map(v -> new Permission(group, resource, v, Scope.CLUSTER))
        .toList();
  }
}
