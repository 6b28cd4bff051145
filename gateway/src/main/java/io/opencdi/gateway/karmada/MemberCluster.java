package io.opencdi.gateway.karmada;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the gateway takes from one Karmada {@code Cluster} (cluster.karmada.io/v1alpha1): where it
 * is, whether Karmada schedules to it, and the room left by Karmada's own figures. Pure: computed
 * from the object alone, so every rule is testable without a server.
 *
 * <p>Karmada reports capacity per cluster, not per node, so the cluster is one node group named
 * {@link #NODE_GROUP}; the member's kube-scheduler picks the node.
 *
 * @param externalCpuMillis {@code allocated + allocating} CPU: what Pods already take or wait for
 * @param maxDesktops free Pod slots: {@code allocatable − allocated − allocating} pods
 */
public record MemberCluster(
    String name,
    String region,
    String zone,
    String provider,
    boolean ready,
    String architecture,
    List<String> runtimeClasses,
    List<String> storageClasses,
    long cpuMillis,
    long memoryMiB,
    int maxDesktops,
    long externalCpuMillis,
    long externalMemoryMiB) {

  /** The one node group of a Karmada cluster. */
  public static final String NODE_GROUP = "karmada";

  public static final String ARCH_LABEL = "kubernetes.io/arch";
  public static final String RUNTIME_CLASSES_ANNOTATION = "opencdi.io/runtime-classes";
  public static final String STORAGE_CLASSES_ANNOTATION = "opencdi.io/storage-classes";

  private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024L);

  /** Defaults for what Karmada does not report. */
  public record Defaults(String arch, List<String> runtimeClasses, List<String> storageClasses) {}

  /** The member cluster described by a Karmada {@code Cluster} object. */
  @SuppressWarnings("unchecked")
  public static MemberCluster of(GenericKubernetesResource cluster, Defaults defaults) {
    Map<String, Object> spec = map(cluster.getAdditionalProperties().get("spec"));
    Map<String, Object> status = map(cluster.getAdditionalProperties().get("status"));
    Map<String, Object> summary = map(status.get("resourceSummary"));
    Map<String, Object> allocatable = map(summary.get("allocatable"));
    Map<String, Object> allocated = map(summary.get("allocated"));
    Map<String, Object> allocating = map(summary.get("allocating"));
    Map<String, String> labels = cluster.getMetadata().getLabels();
    Map<String, String> annotations = cluster.getMetadata().getAnnotations();

    String zone = string(spec.get("zone"));
    if (zone.isEmpty() && spec.get("zones") instanceof List<?> zones && !zones.isEmpty()) {
      zone = String.valueOf(zones.getFirst());
    }
    long freePods =
        amount(allocatable, "pods", BigDecimal.ONE, -1)
            - amount(allocated, "pods", BigDecimal.ONE, 0)
            - amount(allocating, "pods", BigDecimal.ONE, 0);
    boolean podsReported = allocatable.containsKey("pods");
    return new MemberCluster(
        cluster.getMetadata().getName(),
        string(spec.get("region")),
        zone,
        string(spec.get("provider")),
        readyCondition(status) && !tainted(spec),
        labels != null && labels.get(ARCH_LABEL) != null ? labels.get(ARCH_LABEL) : defaults.arch(),
        list(annotations, RUNTIME_CLASSES_ANNOTATION, defaults.runtimeClasses()),
        list(annotations, STORAGE_CLASSES_ANNOTATION, defaults.storageClasses()),
        amount(allocatable, "cpu", BigDecimal.valueOf(1000), 0),
        amount(allocatable, "memory", BigDecimal.ONE.divide(MIB), 0),
        // Without a Pod count only CPU and memory limit the cluster.
        podsReported ? (int) Math.max(0, Math.min(freePods, Integer.MAX_VALUE)) : 1_000_000,
        amount(allocated, "cpu", BigDecimal.valueOf(1000), 0)
            + amount(allocating, "cpu", BigDecimal.valueOf(1000), 0),
        amount(allocated, "memory", BigDecimal.ONE.divide(MIB), 0)
            + amount(allocating, "memory", BigDecimal.ONE.divide(MIB), 0));
  }

  /** Karmada's Ready condition is True. */
  private static boolean readyCondition(Map<String, Object> status) {
    if (!(status.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    for (Object c : conditions) {
      Map<String, Object> condition = map(c);
      if ("Ready".equals(condition.get("type"))) {
        return "True".equals(condition.get("status"));
      }
    }
    return false;
  }

  /**
   * A NoSchedule or NoExecute taint keeps Karmada from propagating there (it taints clusters it
   * lost, and operators taint clusters they drain), so the gateway must not choose it either.
   */
  private static boolean tainted(Map<String, Object> spec) {
    if (!(spec.get("taints") instanceof List<?> taints)) {
      return false;
    }
    return taints.stream()
        .map(MemberCluster::map)
        .anyMatch(t -> "NoSchedule".equals(t.get("effect")) || "NoExecute".equals(t.get("effect")));
  }

  /** A quantity in the unit {@code perBase} (per base unit), rounded down. */
  private static long amount(
      Map<String, Object> resources, String name, BigDecimal perBase, long absent) {
    Object value = resources.get(name);
    if (value == null) {
      return absent;
    }
    BigDecimal base = Quantity.getAmountInBytes(new Quantity(String.valueOf(value)));
    return base.multiply(perBase).longValue();
  }

  private static List<String> list(
      Map<String, String> annotations, String key, List<String> fallback) {
    String value = annotations == null ? null : annotations.get(key);
    if (value == null || value.isBlank()) {
      return List.copyOf(fallback);
    }
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static String string(Object value) {
    return value == null ? "" : String.valueOf(value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
