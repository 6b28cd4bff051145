package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.NodeUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Turns metrics.k8s.io objects (what {@code kubectl top} reads) into live-state records. Pure: no
 * client calls. A desktop's process list is not available here ({@code null}); see ADR 0012.
 */
final class LiveMetrics {
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024L);

  private LiveMetrics() {}

  /** A desktop's use: the sum over its Pod's containers. */
  static DesktopUsage desktop(String desktopId, PodMetrics metrics, long fallbackMillis) {
    BigDecimal cpu = BigDecimal.ZERO;
    BigDecimal memory = BigDecimal.ZERO;
    if (metrics.getContainers() != null) {
      for (ContainerMetrics c : metrics.getContainers()) {
        cpu = cpu.add(amount(c.getUsage(), "cpu"));
        memory = memory.add(amount(c.getUsage(), "memory"));
      }
    }
    return new DesktopUsage(
        desktopId,
        cpu.multiply(THOUSAND).setScale(0, RoundingMode.HALF_UP).longValue(),
        memory.setScale(0, RoundingMode.HALF_UP).longValue(),
        null,
        observedAt(metrics.getTimestamp(), fallbackMillis));
  }

  /** A node as its capacity and, when the cluster has them, its metrics describe it. */
  static NodeUsage node(NodeCapacity node, NodeMetrics metrics) {
    Long cpu = null;
    Long memory = null;
    if (metrics != null && metrics.getUsage() != null) {
      cpu =
          amount(metrics.getUsage(), "cpu")
              .multiply(THOUSAND)
              .setScale(0, RoundingMode.HALF_UP)
              .longValue();
      memory =
          amount(metrics.getUsage(), "memory").divide(MIB, 0, RoundingMode.HALF_UP).longValue();
    }
    return new NodeUsage(
        node.name(),
        node.arch(),
        node.schedulable(),
        node.allocatableCpuMillis(),
        node.allocatableMemoryMiB(),
        cpu,
        memory,
        node.desktopPods());
  }

  private static BigDecimal amount(Map<String, Quantity> usage, String resource) {
    Quantity q = usage == null ? null : usage.get(resource);
    return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
  }

  private static long observedAt(String timestamp, long fallbackMillis) {
    try {
      return timestamp == null ? fallbackMillis : java.time.Instant.parse(timestamp).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return fallbackMillis;
    }
  }
}
