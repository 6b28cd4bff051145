package io.opencdi.agent.runtime.kubernetes;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the {@code kubernetes} runtime, resolved from {@link KubernetesRuntimeConfig}. Plain
 * values so that the mapping code and tests need no configuration framework.
 *
 * @param clusterName the one cluster this agent serves, as registered with the gateway
 * @param region region label; empty: the most common {@code topology.kubernetes.io/region} label of
 *     the nodes
 * @param zone zone label; empty: the most common {@code topology.kubernetes.io/zone} label
 * @param namespace namespace of the Desktops and everything made from them
 * @param agentNamespace namespace the agent's own pods run in (the NetworkPolicy admits them)
 * @param agentPodLabels labels of the agent's pods (the NetworkPolicy admits pods with all of them)
 * @param storageClass storage class of home volumes whose desktop names none
 * @param volumeSnapshotClass VolumeSnapshotClass of snapshots that name none
 * @param displayPort VNC port of desktops whose Desktop names none
 * @param capacityDebounce how long capacity events are gathered before one report is signalled
 * @param startFailureAfter how long a warning that may still clear (a volume that cannot be mounted
 *     or attached yet) may keep recurring before a starting desktop fails with it
 * @param startDeadline how long a desktop's Pod may take to become ready, whatever holds it up,
 *     before the desktop fails (so no user waits for ever on a start nobody reports a reason for)
 * @param imageVolumes true: a desktop's application layers are image volumes (Kubernetes 1.33 or
 *     later with the ImageVolume feature); false: each layer is copied into an emptyDir by an init
 *     container that runs the layer's image
 */
public record KubernetesSettings(
    String clusterName,
    Optional<String> region,
    Optional<String> zone,
    String namespace,
    String agentNamespace,
    Map<String, String> agentPodLabels,
    String storageClass,
    String volumeSnapshotClass,
    int displayPort,
    Duration capacityDebounce,
    Duration startFailureAfter,
    Duration startDeadline,
    boolean imageVolumes) {

  public KubernetesSettings {
    agentPodLabels = Map.copyOf(agentPodLabels);
    if (clusterName == null || clusterName.isBlank()) {
      throw new IllegalArgumentException(
          "opencdi.agent.kubernetes.cluster-name is required with the kubernetes runtime: the"
              + " name the gateway registered this cluster under");
    }
    if (startFailureAfter == null || startFailureAfter.isNegative() || startFailureAfter.isZero()) {
      throw new IllegalArgumentException(
          "opencdi.agent.kubernetes.start-failure-after must be a positive duration, got "
              + startFailureAfter);
    }
    if (startDeadline == null || startDeadline.isNegative() || startDeadline.isZero()) {
      throw new IllegalArgumentException(
          "opencdi.agent.kubernetes.start-deadline must be a positive duration, got "
              + startDeadline);
    }
    if (agentPodLabels.isEmpty()) {
      throw new IllegalArgumentException(
          "opencdi.agent.kubernetes.agent-pod-labels must name at least one label");
    }
  }

  /** The same settings with {@code value} as {@link #imageVolumes()}. */
  public KubernetesSettings withImageVolumes(boolean value) {
    return new KubernetesSettings(
        clusterName,
        region,
        zone,
        namespace,
        agentNamespace,
        agentPodLabels,
        storageClass,
        volumeSnapshotClass,
        displayPort,
        capacityDebounce,
        startFailureAfter,
        startDeadline,
        value);
  }

  /** The refusal of a command for {@code name}, a cluster this agent does not serve. */
  String unknownCluster(String name) {
    return "unknown cluster " + name + "; this agent serves " + clusterName;
  }

  /**
   * Parses {@code key=value,key2=value2}.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  public static Map<String, String> parseLabels(String text) {
    Map<String, String> labels = new java.util.LinkedHashMap<>();
    for (String entry : text.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq <= 0 || eq == trimmed.length() - 1) {
        throw new IllegalArgumentException(
            "opencdi.agent.kubernetes.agent-pod-labels: expected key=value, got '" + trimmed + "'");
      }
      labels.put(trimmed.substring(0, eq).trim(), trimmed.substring(eq + 1).trim());
    }
    return labels;
  }
}
