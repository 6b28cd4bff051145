package io.opencdi.gateway.karmada;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every call the gateway makes to the Karmada API server, in one place. The gateway's RBAC there
 * ({@code helm/opencdi-gateway/karmada/rbac.yaml}) grants exactly these: a test compares the two,
 * and the mock-server test checks that every request the gateway sends is listed here.
 */
public final class KarmadaPermissions {

  /**
   * One permission.
   *
   * @param group API group
   * @param resource resource
   * @param verb RBAC verb
   * @param namespaced whether it is granted in the desktops' namespace (a Role) or cluster-wide
   */
  public record Permission(String group, String resource, String verb, boolean namespaced) {
    @Override
    public String toString() {
      return (namespaced ? "namespace " : "cluster ") + group + "/" + resource + " " + verb;
    }
  }

  /** What the backend needs, and nothing else. */
  public static final List<Permission> REQUIRED =
      Stream.of(
              // Member clusters and their capacity: an informer.
              cluster("cluster.karmada.io", "clusters", "list", "watch"),
              // Desktops: an informer (status back), commands (create, power patch, delete).
              // get: the client reads an object before merge-patching it by name.
              ns("opencdi.io", "desktops", "get", "list", "watch", "create", "patch", "delete"),
              // One policy per desktop, pinning it to the cluster placement chose.
              ns("policy.karmada.io", "propagationpolicies", "get", "create", "patch", "delete"))
          .flatMap(List::stream)
          .toList();

  private KarmadaPermissions() {}

  private static List<Permission> ns(String group, String resource, String... verbs) {
    return Stream.of(verbs).map(v -> new Permission(group, resource, v, true)).toList();
  }

  private static List<Permission> cluster(String group, String resource, String... verbs) {
    return Stream.of(verbs).map(v -> new Permission(group, resource, v, false)).toList();
  }
}
