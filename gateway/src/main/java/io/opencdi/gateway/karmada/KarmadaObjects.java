package io.opencdi.gateway.karmada;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.Power;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The objects the gateway writes to the Karmada API server for a desktop: the {@code Desktop}
 * (opencdi.io/v1alpha1, the same resource the member's agent reconciles) and a {@code
 * PropagationPolicy} pinning it to the cluster placement chose. Pure: no client calls.
 */
public final class KarmadaObjects {
  public static final String DESKTOP_API = "opencdi.io/v1alpha1";
  public static final String POLICY_API = "policy.karmada.io/v1alpha1";

  /** Label naming the member cluster a desktop was propagated to. */
  public static final String CLUSTER_LABEL = "opencdi.io/cluster";

  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "opencdi-gateway";

  /** Karmada's member clusters (cluster-scoped). */
  public static final ResourceDefinitionContext CLUSTERS =
      new ResourceDefinitionContext.Builder()
          .withGroup("cluster.karmada.io")
          .withVersion("v1alpha1")
          .withKind("Cluster")
          .withPlural("clusters")
          .withNamespaced(false)
          .build();

  /** OpenCDI's desktops (namespaced; helm/opencdi-agent/crds). */
  public static final ResourceDefinitionContext DESKTOPS =
      new ResourceDefinitionContext.Builder()
          .withGroup("opencdi.io")
          .withVersion("v1alpha1")
          .withKind("Desktop")
          .withPlural("desktops")
          .withNamespaced(true)
          .build();

  /** Karmada's namespaced propagation policies. */
  public static final ResourceDefinitionContext POLICIES =
      new ResourceDefinitionContext.Builder()
          .withGroup("policy.karmada.io")
          .withVersion("v1alpha1")
          .withKind("PropagationPolicy")
          .withPlural("propagationpolicies")
          .withNamespaced(true)
          .build();

  private KarmadaObjects() {}

  /** Name of a desktop's Desktop and PropagationPolicy, as the member's agent names it. */
  public static String name(UUID desktopId) {
    return "desktop-" + desktopId;
  }

  /** The desktop's id from a Desktop's name, or null when the Desktop is not one of ours. */
  public static UUID desktopId(String name) {
    if (name == null || !name.startsWith("desktop-")) {
      return null;
    }
    try {
      return UUID.fromString(name.substring("desktop-".length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The Desktop for {@code d} as it is to be committed. */
  public static GenericKubernetesResource desktop(DesktopEntity d, String cluster, String ns) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(DESKTOP_API);
    r.setKind("Desktop");
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(d.id))
            .withNamespace(ns)
            .withLabels(labels(cluster))
            .withAnnotations(Map.of("opencdi.io/owner", d.ownerId.toString()))
            .build());
    r.setAdditionalProperty("spec", spec(d));
    return r;
  }

  /**
   * The Desktop's spec, in the fields of the CRD. No {@code node}: Karmada reports capacity per
   * cluster, so the member's kube-scheduler picks the node.
   */
  public static Map<String, Object> spec(DesktopEntity d) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("desktopId", d.id.toString());
    spec.put("displayName", d.name);
    spec.put("owner", d.ownerId.toString());
    spec.put("image", d.image);
    spec.put("cpuMillis", d.cpuMillis);
    spec.put("memoryMiB", d.memoryMiB);
    spec.put("power", power(d.power));
    if (d.runtimeClass != null && !d.runtimeClass.isBlank()) {
      spec.put("runtimeClassName", d.runtimeClass);
    }
    Map<String, Object> home = new LinkedHashMap<>();
    home.put("sizeGiB", d.homeVolumeGiB);
    if (d.storageClass != null && !d.storageClass.isBlank()) {
      home.put("storageClassName", d.storageClass);
    }
    spec.put("home", home);
    List<Map<String, Object>> apps = new ArrayList<>();
    for (AppLayer l : LayerStack.toProtocol(d.appLayers)) {
      Map<String, Object> app = new LinkedHashMap<>();
      app.put("name", l.name());
      app.put("version", l.version());
      app.put("image", l.image());
      apps.add(app);
    }
    if (!apps.isEmpty()) {
      spec.put("layers", apps);
    }
    return spec;
  }

  /** The CRD's spelling of a power state. */
  public static String power(Power power) {
    return power == Power.ON ? "On" : "Off";
  }

  /**
   * The PropagationPolicy that sends exactly this Desktop to exactly {@code cluster}: the gateway
   * has chosen, so Karmada's scheduler has nothing left to decide.
   */
  public static GenericKubernetesResource policy(UUID desktopId, String cluster, String ns) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(POLICY_API);
    r.setKind("PropagationPolicy");
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(desktopId))
            .withNamespace(ns)
            .withLabels(labels(cluster))
            .build());
    r.setAdditionalProperty("spec", policySpec(desktopId, cluster, ns));
    return r;
  }

  /** The policy's spec: one resource selector, one cluster. */
  public static Map<String, Object> policySpec(UUID desktopId, String cluster, String ns) {
    Map<String, Object> selector = new LinkedHashMap<>();
    selector.put("apiVersion", DESKTOP_API);
    selector.put("kind", "Desktop");
    selector.put("namespace", ns);
    selector.put("name", name(desktopId));
    return Map.of(
        "resourceSelectors",
        List.of(selector),
        "placement",
        Map.of("clusterAffinity", Map.of("clusterNames", List.of(cluster))));
  }

  private static Map<String, String> labels(String cluster) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/part-of", "opencdi");
    labels.put(MANAGED_BY, MANAGER);
    labels.put(CLUSTER_LABEL, cluster);
    return labels;
  }
}
