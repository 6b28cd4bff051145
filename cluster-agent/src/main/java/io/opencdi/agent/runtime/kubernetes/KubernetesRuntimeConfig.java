package io.opencdi.agent.runtime.kubernetes;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the {@code kubernetes} runtime ({@code opencdi.agent.runtime=kubernetes}). The API
 * server and credentials come from the usual fabric8 sources: the in-cluster service account, or
 * {@code KUBECONFIG} / {@code ~/.kube/config} and {@code kubernetes.*} system properties.
 */
@ConfigMapping(prefix = "opencdi.agent.kubernetes")
public interface KubernetesRuntimeConfig {

  /** Name of the cluster this agent serves, as registered with the gateway. Required. */
  Optional<String> clusterName();

  /** Region label; when unset, the most common {@code topology.kubernetes.io/region} of nodes. */
  Optional<String> region();

  /** Zone label; when unset, the most common {@code topology.kubernetes.io/zone} of nodes. */
  Optional<String> zone();

  /** Namespace of the Desktop resources and their Pods, volumes and Services. */
  @WithDefault("opencdi-desktops")
  String namespace();

  /** Namespace the agent runs in; the desktops' NetworkPolicy admits the agent's pods from it. */
  @WithDefault("opencdi-system")
  String agentNamespace();

  /** Labels of the agent's pods ({@code key=value,...}) that the NetworkPolicy admits. */
  @WithDefault("app.kubernetes.io/name=opencdi-agent")
  String agentPodLabels();

  /** Storage class of home volumes whose desktop names none. */
  @WithDefault("longhorn")
  String storageClass();

  /** VolumeSnapshotClass of desktop snapshots that name none. */
  @WithDefault("longhorn")
  String volumeSnapshotClass();

  /** VNC port desktops listen on when their Desktop names none. */
  @WithDefault("5901")
  int displayPort();

  /** Capacity events (nodes, pods, classes) are gathered this long before one report. */
  @WithDefault("100ms")
  Duration capacityDebounce();

  /**
   * How long a Pod warning that may still clear (its home volume cannot be mounted or attached yet,
   * its sandbox cannot be created for a reason other than a missing runtime) may keep recurring
   * before the starting desktop fails with it. Long enough for a volume to detach from the node the
   * desktop ran on before; short enough that a user is not left waiting for nothing.
   */
  @WithDefault("3m")
  Duration startFailureAfter();

  /**
   * How long a desktop's Pod may take from its creation to ready before the desktop fails, whatever
   * holds it up (also when Kubernetes reports nothing). Long enough to pull a desktop image of a
   * few GiB onto a new node.
   */
  @WithDefault("10m")
  Duration startDeadline();

  /**
   * How a desktop's application layers reach its Pod. {@code true}: one image volume per layer
   * ({@code volumes[].image}), which needs Kubernetes 1.33 or later with the ImageVolume feature
   * gate on and a container runtime that supports image volumes (containerd 2.1, CRI-O 1.31).
   * {@code false}, for clusters without it: one emptyDir per layer, filled before the desktop
   * starts by an init container that runs the layer's image and copies its {@code usr} and {@code
   * opt} with {@code /bin/sh} and {@code cp}, which the layer image must then contain.
   */
  @WithDefault("true")
  boolean imageVolumes();

  /**
   * The IPv4 range (CIDR, /8 or longer) the agent's pods get their addresses from, for example the
   * cluster's pod CIDR or the agent node pool's. Desktops serve their sound on TCP to that range
   * alone, behind the NetworkPolicy that admits only the agent's pods (ADR 0044). Unset: Kubernetes
   * desktops have no sound.
   */
  Optional<String> soundFrom();

  /** The settings as plain values. */
  default KubernetesSettings settings() {
    return new KubernetesSettings(
        clusterName().orElse(null),
        region(),
        zone(),
        namespace(),
        agentNamespace(),
        KubernetesSettings.parseLabels(agentPodLabels()),
        storageClass(),
        volumeSnapshotClass(),
        displayPort(),
        capacityDebounce(),
        startFailureAfter(),
        startDeadline(),
        imageVolumes(),
        soundFrom());
  }
}
