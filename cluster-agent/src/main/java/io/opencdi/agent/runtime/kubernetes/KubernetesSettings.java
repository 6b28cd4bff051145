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
 * @param soundFrom the IPv4 range (CIDR, prefix /8 or longer) the agent's pods have their addresses
 *     in: a desktop serves its sound on TCP to that range alone, behind its NetworkPolicy (ADR
 *     0044); empty: desktops have no sound
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
    boolean imageVolumes,
    Optional<String> soundFrom) {
  /** An IPv4 range, /8 to /32: never the whole Internet. */
  private static final java.util.regex.Pattern CIDR =
      java.util.regex.Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
              + "/([89]|[12][0-9]|3[0-2])");

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
    soundFrom = soundFrom == null ? Optional.empty() : soundFrom.filter(r -> !r.isBlank());
    if (soundFrom.isPresent() && !CIDR.matcher(soundFrom.get()).matches()) {
      throw new IllegalArgumentException(
          "opencdi.agent.kubernetes.sound-from must be an IPv4 range from /8 to /32 (the agent"
              + " pods' addresses, e.g. 10.244.0.0/16), got '"
              + soundFrom.get()
              + "'");
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
        value,
        soundFrom);
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
