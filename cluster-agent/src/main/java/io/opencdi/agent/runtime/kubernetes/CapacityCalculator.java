package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A cluster's capacity from its Nodes, Pods, RuntimeClasses and StorageClasses, counted the way
 * kube-scheduler counts it: allocatable minus the requests of every non-terminal Pod bound to the
 * node, where a Pod requests the larger of its containers' sum and its largest init container, plus
 * its RuntimeClass overhead ({@code spec.overhead}, or the RuntimeClass' {@code overhead.podFixed}
 * when admission has not filled it in). Pure: no client calls.
 *
 * <p>The protocol reports each node's allocatable and the part taken by workloads other than
 * OpenCDI desktops (the gateway books desktops itself); the overhead of desktop Pods is not in the
 * gateway's books, so it is counted as external.
 */
public final class CapacityCalculator {
  public static final String ARCH_LABEL = "kubernetes.io/arch";
  public static final String REGION_LABEL = "topology.kubernetes.io/region";
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024L);
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

  private CapacityCalculator() {}

  /** Whether {@code pod} is an OpenCDI desktop Pod. */
  public static boolean isDesktopPod(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null
        && DesktopNames.MANAGER.equals(labels.get(DesktopNames.MANAGED_BY))
        && "desktop".equals(labels.get(DesktopNames.COMPONENT))
        && labels.containsKey(DesktopNames.DESKTOP_LABEL);
  }

  /** Every node's capacity, by name. */
  public static List<NodeCapacity> nodes(
      Collection<Node> nodes, Collection<Pod> pods, Collection<RuntimeClass> runtimeClasses) {
    Map<String, RuntimeClass> classes =
        runtimeClasses.stream()
            .collect(Collectors.toMap(rc -> rc.getMetadata().getName(), Function.identity()));
    Map<String, long[]> used = new HashMap<>(); // cpu, mem bytes/MiB later, pods; per kind
    Map<String, BigDecimal[]> sums = new HashMap<>();
    for (Pod pod : pods) {
      String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
      if (nodeName == null || terminal(pod)) {
        continue;
      }
      boolean desktop = isDesktopPod(pod);
      BigDecimal[] request = podRequests(pod);
      BigDecimal[] overhead = podOverhead(pod, classes);
      // [externalCpu, externalMem, desktopCpu, desktopMem]
      BigDecimal[] s =
          sums.computeIfAbsent(
              nodeName,
              n ->
                  new BigDecimal[] {
                    BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO
                  });
      long[] counts = used.computeIfAbsent(nodeName, n -> new long[2]); // external, desktop
      s[0] = s[0].add(overhead[0]);
      s[1] = s[1].add(overhead[1]);
      if (desktop) {
        s[2] = s[2].add(request[0]);
        s[3] = s[3].add(request[1]);
        counts[1]++;
      } else {
        s[0] = s[0].add(request[0]);
        s[1] = s[1].add(request[1]);
        counts[0]++;
      }
    }
    List<NodeCapacity> result = new ArrayList<>(nodes.size());
    for (Node node : sorted(nodes)) {
      String name = node.getMetadata().getName();
      Map<String, Quantity> allocatable =
          node.getStatus() == null || node.getStatus().getAllocatable() == null
              ? Map.of()
              : node.getStatus().getAllocatable();
      BigDecimal[] s =
          sums.getOrDefault(
              name,
              new BigDecimal[] {
                BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO
              });
      long[] counts = used.getOrDefault(name, new long[2]);
      result.add(
          new NodeCapacity(
              name,
              label(node, ARCH_LABEL).orElse("amd64"),
              cpuMillis(amount(allocatable.get("cpu")), RoundingMode.FLOOR),
              mib(amount(allocatable.get("memory")), RoundingMode.FLOOR),
              amount(allocatable.get("pods")).intValue(),
              cpuMillis(s[0], RoundingMode.CEILING),
              mib(s[1], RoundingMode.CEILING),
              (int) counts[0],
              cpuMillis(s[2], RoundingMode.CEILING),
              mib(s[3], RoundingMode.CEILING),
              (int) counts[1],
              excludedBecause(node)));
    }
    return result;
  }

  /**
   * The cluster's report: one node group per schedulable node; labels, classes and cached images.
   */
  public static ClusterReport report(
      KubernetesSettings settings,
      Collection<Node> nodes,
      Collection<Pod> pods,
      Collection<RuntimeClass> runtimeClasses,
      Collection<StorageClass> storageClasses) {
    List<NodeCapacity> capacities = nodes(nodes, pods, runtimeClasses);
    List<NodeGroupReport> groups = new ArrayList<>();
    TreeSet<String> architectures = new TreeSet<>();
    for (NodeCapacity node : capacities) {
      if (!node.schedulable()) {
        continue;
      }
      architectures.add(node.arch());
      groups.add(
          new NodeGroupReport(
              node.name(),
              node.arch(),
              node.allocatableCpuMillis(),
              node.allocatableMemoryMiB(),
              Math.max(0, node.allocatablePods() - node.externalPods()),
              node.externalCpuMillis(),
              node.externalMemoryMiB()));
    }
    List<Node> usable = sorted(nodes).stream().filter(n -> excludedBecause(n) == null).toList();
    TreeSet<String> images = new TreeSet<>();
    for (Node node : usable) {
      if (node.getStatus() == null || node.getStatus().getImages() == null) {
        continue;
      }
      for (ContainerImage image : node.getStatus().getImages()) {
        for (String name : image.getNames() == null ? List.<String>of() : image.getNames()) {
          if (!name.contains("@")) { // digests say nothing a template names
            images.add(name);
          }
        }
      }
    }
    List<String> runtimes = new ArrayList<>();
    runtimes.add(KubernetesRuntime.RUNC);
    runtimeClasses.stream()
        .map(rc -> rc.getMetadata().getName())
        .filter(n -> !KubernetesRuntime.RUNC.equals(n))
        .sorted()
        .forEach(runtimes::add);
    List<String> storage =
        storageClasses.stream().map(sc -> sc.getMetadata().getName()).sorted().toList();
    String region =
        settings.region().orElseGet(() -> mostCommon(usable, REGION_LABEL).orElse("default"));
    String zone =
        settings.zone().orElseGet(() -> mostCommon(usable, ZONE_LABEL).orElse(region + "-a"));
    return new ClusterReport(
        settings.clusterName(),
        region,
        zone,
        List.copyOf(architectures),
        runtimes,
        storage,
        List.copyOf(images),
        groups);
  }

  /** Why desktops cannot be scheduled on the node, or null when they can. */
  public static String excludedBecause(Node node) {
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return "cordoned";
    }
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint taint : node.getSpec().getTaints()) {
        // Desktop Pods tolerate nothing; PreferNoSchedule still lets them in.
        if ("NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect())) {
          return "tainted " + taint.getKey() + ":" + taint.getEffect();
        }
      }
    }
    if (node.getStatus() != null && node.getStatus().getConditions() != null) {
      for (NodeCondition condition : node.getStatus().getConditions()) {
        if ("Ready".equals(condition.getType()) && !"True".equals(condition.getStatus())) {
          return "not ready";
        }
      }
    }
    return null;
  }

  static boolean terminal(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** CPU (cores) and memory (bytes) a Pod requests, as the scheduler counts them. */
  static BigDecimal[] podRequests(Pod pod) {
    BigDecimal cpu = BigDecimal.ZERO;
    BigDecimal mem = BigDecimal.ZERO;
    for (Container c : nonNull(pod.getSpec().getContainers())) {
      cpu = cpu.add(request(c, "cpu"));
      mem = mem.add(request(c, "memory"));
    }
    for (Container c : nonNull(pod.getSpec().getInitContainers())) {
      cpu = cpu.max(request(c, "cpu"));
      mem = mem.max(request(c, "memory"));
    }
    return new BigDecimal[] {cpu, mem};
  }

  static BigDecimal[] podOverhead(Pod pod, Map<String, RuntimeClass> classes) {
    Map<String, Quantity> overhead = pod.getSpec().getOverhead();
    if ((overhead == null || overhead.isEmpty()) && pod.getSpec().getRuntimeClassName() != null) {
      RuntimeClass rc = classes.get(pod.getSpec().getRuntimeClassName());
      if (rc != null && rc.getOverhead() != null) {
        overhead = rc.getOverhead().getPodFixed();
      }
    }
    if (overhead == null) {
      return new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO};
    }
    return new BigDecimal[] {amount(overhead.get("cpu")), amount(overhead.get("memory"))};
  }

  private static BigDecimal request(Container c, String resource) {
    if (c.getResources() == null) {
      return BigDecimal.ZERO;
    }
    Map<String, Quantity> requests = c.getResources().getRequests();
    Quantity q = requests == null ? null : requests.get(resource);
    if (q == null && c.getResources().getLimits() != null) {
      // Kubernetes defaults a missing request to the limit.
      q = c.getResources().getLimits().get(resource);
    }
    return amount(q);
  }

  private static BigDecimal amount(Quantity q) {
    return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
  }

  private static long cpuMillis(BigDecimal cores, RoundingMode rounding) {
    return cores.multiply(THOUSAND).setScale(0, rounding).longValueExact();
  }

  private static long mib(BigDecimal bytes, RoundingMode rounding) {
    return bytes.divide(MIB, 0, rounding).longValueExact();
  }

  static Optional<String> label(Node node, String key) {
    Map<String, String> labels = node.getMetadata().getLabels();
    return Optional.ofNullable(labels == null ? null : labels.get(key));
  }

  private static Optional<String> mostCommon(List<Node> nodes, String key) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Node node : nodes) {
      label(node, key).ifPresent(v -> counts.merge(v, 1, Integer::sum));
    }
    return counts.entrySet().stream()
        .max(Map.Entry.<String, Integer>comparingByValue())
        .map(Map.Entry::getKey);
  }

  private static List<Node> sorted(Collection<Node> nodes) {
    return nodes.stream()
        .sorted(java.util.Comparator.comparing(n -> n.getMetadata().getName()))
        .toList();
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
