package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import java.util.List;
import java.util.Map;

/**
 * Every write (and metrics read) the runtime makes to the API server, in the desktops' namespace.
 * The reconcilers and the command handling decide what to change; this is the only place besides
 * {@link KubernetesCache} that holds the client, so that what the agent may do stays in sight of
 * {@link ApiPermissions}. Errors are the client's {@link KubernetesClientException}s: the callers
 * decide whether one is retried, reported or ignored.
 */
final class KubernetesApi {
  private final KubernetesClient client;
  private final String ns;

  KubernetesApi(KubernetesClient client, String namespace) {
    this.client = client;
    this.ns = namespace;
  }

  /** Creates {@code object}; one that exists already (409) is left as it is. */
  void createIfAbsent(HasMetadata object) {
    try {
      client.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** Creates a Desktop; one that exists already fails with 409. */
  void createDesktop(Desktop desktop) {
    client.resources(Desktop.class).inNamespace(ns).resource(desktop).create();
  }

  /** Merge-patches a Desktop with {@code patch} (a map serialized as JSON). */
  void mergePatchDesktop(String name, Object patch) {
    client
        .resources(Desktop.class)
        .inNamespace(ns)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(patch));
  }

  // JSON Patch, not a merge patch: a list must be replaced whole.
  void setFinalizers(String desktopName, List<String> finalizers) {
    jsonPatch(desktopName, null, "/metadata/finalizers", finalizers);
  }

  /**
   * Sets {@code path} of a Desktop (or of its {@code subresource}, when not null) to {@code value}.
   */
  void jsonPatch(String desktopName, String subresource, String path, Object value) {
    var resource = client.resources(Desktop.class).inNamespace(ns).withName(desktopName);
    String patch =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", path, "value", value)));
    if (subresource == null) {
      resource.patch(PatchContext.of(PatchType.JSON), patch);
    } else {
      resource.subresource(subresource).patch(PatchContext.of(PatchType.JSON), patch);
    }
  }

  void deleteDesktop(String name) {
    client.resources(Desktop.class).inNamespace(ns).withName(name).delete();
  }

  void deletePod(String name) {
    client.pods().inNamespace(ns).withName(name).delete();
  }

  void deleteService(String name) {
    client.services().inNamespace(ns).withName(name).delete();
  }

  void deleteNetworkPolicy(String name) {
    client.network().v1().networkPolicies().inNamespace(ns).withName(name).delete();
  }

  void deleteClaim(String name) {
    client.persistentVolumeClaims().inNamespace(ns).withName(name).delete();
  }

  void deleteDesktopSnapshot(String name) {
    client.resources(DesktopSnapshot.class).inNamespace(ns).withName(name).delete();
  }

  /** Writes the status of {@code patch} (a DesktopSnapshot with its name and namespace). */
  void patchSnapshotStatus(DesktopSnapshot patch) {
    client.resources(DesktopSnapshot.class).inNamespace(ns).resource(patch).patchStatus();
  }

  /**
   * JSON-patches a Pod with {@code changes}. Named by the informer's copy: fabric8 reads a Pod
   * named only by its name first.
   */
  void jsonPatchPod(Pod pod, List<?> changes) {
    client
        .pods()
        .inNamespace(ns)
        .resource(pod)
        .patch(
            PatchContext.of(PatchType.JSON), client.getKubernetesSerialization().asJson(changes));
  }

  /** The metrics of the namespace's Pods that carry all of {@code labels} (one list call). */
  List<PodMetrics> podMetrics(Map<String, String> labels) {
    return client.top().pods().inNamespace(ns).withLabels(labels).metrics().getItems();
  }

  /** The metrics of every node. */
  List<NodeMetrics> nodeMetrics() {
    return client.top().nodes().metrics().getItems();
  }
}
