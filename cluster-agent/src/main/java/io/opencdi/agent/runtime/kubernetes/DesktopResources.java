package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshotSpec;
import io.opencdi.agent.runtime.kubernetes.crd.VolumeSnapshot;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.SnapshotSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired Kubernetes objects of a desktop, computed from its {@link Desktop} resource. Makes no
 * client calls (the reconciler applies what this returns), so every field is testable alone.
 */
public final class DesktopResources {
  /** Name of the desktop container and of its display port. */
  public static final String CONTAINER = "desktop";

  public static final String DISPLAY_PORT_NAME = "vnc";

  /** The container port and Service port on which a desktop serves its sound (ADR 0044). */
  public static final String SOUND_PORT_NAME = "sound";

  /** The container port and Service port on which a desktop takes its microphone. */
  public static final String MICROPHONE_PORT_NAME = "microphone";

  /** Where the home volume is mounted in the desktop container. */
  public static final String HOME = "/home/desktop";

  /** The unprivileged user and group desktops run as (the desktop images' {@code desktop}). */
  public static final long DESKTOP_UID = 1000;

  /**
   * The most a desktop may write outside its home: /tmp and its container log, which the kubelet
   * counts as ephemeral storage and rotates (a pod above it is evicted, never its node's disk
   * filled). Its processes are capped by the kubelet's {@code podPidsLimit} (docs/security.md).
   */
  public static final String SCRATCH_LIMIT = "1Gi";

  /**
   * The Pod annotation that holds the desktop's watermark (ADR 0040), set by the agent when a
   * viewer connects; the kubelet projects it into the container as {@link #WATERMARK_FILE}.
   */
  public static final String WATERMARK_ANNOTATION = "opencdi.io/watermark";

  /** Where the desktop reads its watermark: a downward API file, read-only, empty for none. */
  public static final String WATERMARK_FILE = "/opt/opencdi/policy/watermark";

  public static final String DEFAULT_GEOMETRY = "1920x1080";
  public static final int DEFAULT_HOME_GIB = 10;
  public static final String SNAPSHOT_API_GROUP = "snapshot.storage.k8s.io";

  private final KubernetesSettings settings;

  public DesktopResources(KubernetesSettings settings) {
    this.settings = settings;
  }

  /** The Desktop resource for a gateway command's spec, with {@code power} as given. */
  public Desktop desktop(DesktopSpec spec, Power power, String arch) {
    Desktop desktop = new Desktop();
    String name = DesktopNames.desktop(spec.id());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(DesktopNames.PART_OF, "opencdi");
    labels.put(DesktopNames.MANAGED_BY, DesktopNames.MANAGER);
    desktop.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(settings.namespace())
            .withLabels(labels)
            .withAnnotations(
                spec.owner() == null
                    ? Map.of()
                    : Map.of(DesktopNames.OWNER_ANNOTATION, spec.owner()))
            .withFinalizers(DesktopNames.FINALIZER)
            .build());
    desktop.setSpec(spec(spec, power, arch));
    return desktop;
  }

  /** The Desktop spec for a gateway command's spec. */
  public DesktopResourceSpec spec(DesktopSpec spec, Power power, String arch) {
    DesktopResourceSpec s = new DesktopResourceSpec();
    s.desktopId = spec.id();
    s.displayName = spec.name();
    s.owner = spec.owner();
    s.image = spec.image();
    s.cpuMillis = spec.cpuMillis();
    s.memoryMiB = spec.memoryMiB();
    s.power = power == Power.ON ? DesktopResourceSpec.Power.On : DesktopResourceSpec.Power.Off;
    s.node = blankToNull(spec.node());
    s.arch = blankToNull(arch);
    s.runtimeClassName = blankToNull(spec.runtimeClass());
    s.home = new DesktopResourceSpec.HomeVolume();
    s.home.sizeGiB = spec.homeVolumeGiB() > 0 ? spec.homeVolumeGiB() : DEFAULT_HOME_GIB;
    s.home.storageClassName = blankToNull(spec.storageClass());
    s.home.restoreFrom =
        spec.restoreFrom() == null ? null : DesktopNames.snapshot(spec.restoreFrom());
    // None is left out, not written as []: a merge patch from a command that carries no layers
    // keeps those the Desktop was created with.
    s.layers =
        spec.layers().isEmpty()
            ? null
            : spec.layers().stream()
                .map(l -> new DesktopResourceSpec.Layer(l.name(), l.version(), l.image()))
                .toList();
    return s;
  }

  /** Labels of every object made for {@code desktopName}. */
  public static Map<String, String> labels(String desktopName, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(DesktopNames.NAME, "opencdi-desktop");
    labels.put(DesktopNames.INSTANCE, desktopName);
    labels.put(DesktopNames.COMPONENT, component);
    labels.put(DesktopNames.PART_OF, "opencdi");
    labels.put(DesktopNames.MANAGED_BY, DesktopNames.MANAGER);
    labels.put(DesktopNames.DESKTOP_LABEL, desktopName);
    return labels;
  }

  /** The RuntimeClass a Pod names: none for {@code runc} (the cluster's default runtime). */
  public static String podRuntimeClass(String runtimeClassName) {
    return runtimeClassName == null
            || runtimeClassName.isBlank()
            || KubernetesRuntime.RUNC.equals(runtimeClassName)
        ? null
        : runtimeClassName;
  }

  public int displayPort(Desktop desktop) {
    DesktopResourceSpec.Display display = desktop.getSpec().display;
    return display != null && display.port != null ? display.port : settings.displayPort();
  }

  public String storageClass(Desktop desktop) {
    DesktopResourceSpec.HomeVolume home = desktop.getSpec().home;
    return home != null && home.storageClassName != null
        ? home.storageClassName
        : settings.storageClass();
  }

  /** The claim holding the desktop's home: the one its status names, else the default name. */
  public static String homeClaimName(Desktop desktop) {
    var status = desktop.getStatus();
    return status != null && status.homeClaim != null
        ? status.homeClaim
        : DesktopNames.homeClaim(desktop.getMetadata().getName());
  }

  /** The desktop's Pod: requests = limits, sandboxed, non-root, pinned to its node and arch. */
  public Pod pod(Desktop desktop) {
    DesktopResourceSpec spec = desktop.getSpec();
    String name = desktop.getMetadata().getName();
    int port = displayPort(desktop);
    Map<String, Quantity> resources =
        Map.of(
            "cpu", new Quantity(spec.cpuMillis + "m"),
            "memory", new Quantity(spec.memoryMiB + "Mi"),
            "ephemeral-storage", new Quantity(SCRATCH_LIMIT));
    String geometry =
        spec.display != null && spec.display.geometry != null
            ? spec.display.geometry
            : DEFAULT_GEOMETRY;
    PodBuilder pod =
        new PodBuilder()
            .withMetadata(meta(desktop, name, "desktop"))
            .withNewSpec()
            .withRuntimeClassName(podRuntimeClass(spec.runtimeClassName))
            .withRestartPolicy("Always")
            // A desktop talks to nobody's API: no token, no service links in its environment.
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withHostname(name)
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(DESKTOP_UID)
            .withRunAsGroup(DESKTOP_UID)
            .withFsGroup(DESKTOP_UID)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .addNewContainer()
            .withName(CONTAINER)
            .withImage(spec.image)
            .withImagePullPolicy("IfNotPresent")
            .addNewPort()
            .withName(DISPLAY_PORT_NAME)
            .withContainerPort(port)
            .withProtocol("TCP")
            .endPort()
            .addNewEnv()
            .withName("OPENCDI_DESKTOP_ID")
            .withValue(spec.desktopId)
            .endEnv()
            // The entrypoint's own variables (images/desktop/entrypoint.sh): the Service reaches
            // the display on the Pod's address, whatever the image's defaults.
            .addNewEnv()
            .withName("OPENCDI_VNC_PORT")
            .withValue(Integer.toString(port))
            .endEnv()
            .addNewEnv()
            .withName("OPENCDI_VNC_LISTEN")
            .withValue("0.0.0.0")
            .endEnv()
            .addNewEnv()
            .withName("OPENCDI_GEOMETRY")
            .withValue(geometry)
            .endEnv()
            .addNewEnv()
            .withName("HOME")
            .withValue(HOME)
            .endEnv()
            .addNewEnv()
            .withName("OPENCDI_WATERMARK_FILE")
            .withValue(WATERMARK_FILE)
            .endEnv()
            .withNewResources()
            .withRequests(resources)
            .withLimits(resources)
            .endResources()
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .withPrivileged(false)
            .withRunAsNonRoot(true)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withPort(new IntOrString(DISPLAY_PORT_NAME))
            .endTcpSocket()
            .withInitialDelaySeconds(1)
            .withPeriodSeconds(2)
            .withFailureThreshold(3)
            .endReadinessProbe()
            // A session whose display stops answering is restarted by the kubelet (with its
            // back-off and restart count), its home kept on the volume.
            .withNewLivenessProbe()
            .withNewTcpSocket()
            .withPort(new IntOrString(DISPLAY_PORT_NAME))
            .endTcpSocket()
            .withInitialDelaySeconds(30)
            .withPeriodSeconds(10)
            .withFailureThreshold(6)
            .endLivenessProbe()
            .addNewVolumeMount()
            .withName("home")
            .withMountPath(HOME)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("policy")
            .withMountPath(WATERMARK_FILE.substring(0, WATERMARK_FILE.lastIndexOf('/')))
            .withReadOnly(true)
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("home")
            .withNewPersistentVolumeClaim()
            .withClaimName(homeClaimName(desktop))
            .endPersistentVolumeClaim()
            .endVolume()
            // The watermark the agent annotates the Pod with; the kubelet keeps the file current.
            .addNewVolume()
            .withName("policy")
            .withNewDownwardAPI()
            .addNewItem()
            .withPath(WATERMARK_FILE.substring(WATERMARK_FILE.lastIndexOf('/') + 1))
            .withNewFieldRef()
            .withFieldPath("metadata.annotations['" + WATERMARK_ANNOTATION + "']")
            .endFieldRef()
            .endItem()
            .endDownwardAPI()
            .endVolume()
            .endSpec();
    if (spec.arch != null) {
      pod.editSpec().withNodeSelector(Map.of("kubernetes.io/arch", spec.arch)).endSpec();
    }
    if (spec.node != null) {
      // matchFields on metadata.name (as DaemonSets do): the scheduler still checks that the
      // desktop fits, so a full node makes the Pod Unschedulable instead of over-committing it.
      pod.editSpec()
          .withNewAffinity()
          .withNewNodeAffinity()
          .withNewRequiredDuringSchedulingIgnoredDuringExecution()
          .addNewNodeSelectorTerm()
          .addNewMatchField()
          .withKey("metadata.name")
          .withOperator("In")
          .withValues(spec.node)
          .endMatchField()
          .endNodeSelectorTerm()
          .endRequiredDuringSchedulingIgnoredDuringExecution()
          .endNodeAffinity()
          .endAffinity()
          .endSpec();
    }
    Pod built = pod.build();
    addLayers(built, spec, resources);
    addSound(built);
    return built;
  }

  /**
   * Has the entrypoint serve the session's sound and take its microphone on TCP (ADR 0044), to the
   * agent pods' range alone, when the agent knows that range; the NetworkPolicy admits only the
   * agent's pods to these ports.
   */
  private void addSound(Pod pod) {
    if (settings.soundFrom().isEmpty()) {
      return;
    }
    var container = pod.getSpec().getContainers().get(0);
    container
        .getPorts()
        .add(
            new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                .withName(SOUND_PORT_NAME)
                .withContainerPort(TcpDesktopAudio.SOUND_PORT)
                .withProtocol("TCP")
                .build());
    container
        .getPorts()
        .add(
            new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                .withName(MICROPHONE_PORT_NAME)
                .withContainerPort(TcpDesktopAudio.MICROPHONE_PORT)
                .withProtocol("TCP")
                .build());
    container
        .getEnv()
        .addAll(
            List.of(
                new EnvVarBuilder()
                    .withName("OPENCDI_AUDIO_TCP")
                    .withValue("0.0.0.0:" + TcpDesktopAudio.SOUND_PORT)
                    .build(),
                new EnvVarBuilder()
                    .withName("OPENCDI_MIC_TCP")
                    .withValue("0.0.0.0:" + TcpDesktopAudio.MICROPHONE_PORT)
                    .build(),
                new EnvVarBuilder()
                    .withName("OPENCDI_AUDIO_PEER")
                    .withValue(settings.soundFrom().get())
                    .build()));
  }

  /**
   * Mounts the desktop's application layers read-only into its container, lowest first, and names
   * their directories in {@link LayerMounts#ENV}. With image volumes the kubelet mounts each layer
   * image itself; otherwise an init container per layer copies the layer into an emptyDir. The init
   * containers run as the desktop does (non-root, no capabilities) with the desktop container's
   * resources, so they change neither the Pod's requests nor its QoS class.
   */
  private void addLayers(Pod pod, DesktopResourceSpec spec, Map<String, Quantity> resources) {
    List<LayerMounts.Mount> mounts = LayerMounts.of(spec.layers);
    if (mounts.isEmpty()) {
      return;
    }
    Container desktop = pod.getSpec().getContainers().get(0);
    List<Container> initContainers = new ArrayList<>();
    for (LayerMounts.Mount mount : mounts) {
      VolumeBuilder volume = new VolumeBuilder().withName(mount.volume());
      if (settings.imageVolumes()) {
        volume
            .withNewImage()
            .withReference(mount.image())
            .withPullPolicy("IfNotPresent")
            .endImage();
      } else {
        volume.withNewEmptyDir().endEmptyDir();
        initContainers.add(
            new ContainerBuilder()
                .withName(mount.volume())
                .withImage(mount.image())
                .withImagePullPolicy("IfNotPresent")
                .withCommand("/bin/sh", "-c", LayerMounts.COPY_SCRIPT)
                .withNewResources()
                .withRequests(resources)
                .withLimits(resources)
                .endResources()
                .withSecurityContext(
                    new SecurityContextBuilder(desktop.getSecurityContext()).build())
                .addNewVolumeMount()
                .withName(mount.volume())
                .withMountPath(LayerMounts.COPY_TARGET)
                .endVolumeMount()
                .build());
      }
      pod.getSpec().getVolumes().add(volume.build());
      desktop
          .getVolumeMounts()
          .add(
              new VolumeMountBuilder()
                  .withName(mount.volume())
                  .withMountPath(mount.path())
                  .withReadOnly(true)
                  .build());
    }
    desktop
        .getEnv()
        .add(
            new EnvVarBuilder()
                .withName(LayerMounts.ENV)
                .withValue(LayerMounts.env(mounts))
                .build());
    if (!initContainers.isEmpty()) {
      pod.getSpec().setInitContainers(initContainers);
    }
  }

  /** The home volume; restored from a VolumeSnapshot when {@code restoreFromSnapshot} is set. */
  public PersistentVolumeClaim homeClaim(Desktop desktop, String restoreFromVolumeSnapshot) {
    DesktopResourceSpec.HomeVolume home = desktop.getSpec().home;
    int size = home != null && home.sizeGiB != null ? home.sizeGiB : DEFAULT_HOME_GIB;
    PersistentVolumeClaimBuilder claim =
        new PersistentVolumeClaimBuilder()
            .withMetadata(meta(desktop, homeClaimName(desktop), "home"))
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withStorageClassName(storageClass(desktop))
            .withVolumeMode("Filesystem")
            .withNewResources()
            .withRequests(Map.of("storage", new Quantity(size + "Gi")))
            .endResources()
            .endSpec();
    if (restoreFromVolumeSnapshot != null) {
      claim
          .editSpec()
          .withNewDataSource()
          .withApiGroup(SNAPSHOT_API_GROUP)
          .withKind("VolumeSnapshot")
          .withName(restoreFromVolumeSnapshot)
          .endDataSource()
          .endSpec();
    }
    return claim.build();
  }

  /** The display Service: the agent dials it to reach the desktop's VNC server. */
  public Service service(Desktop desktop) {
    String name = desktop.getMetadata().getName();
    return new ServiceBuilder()
        .withMetadata(meta(desktop, name, "display"))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Map.of(DesktopNames.DESKTOP_LABEL, name))
        .addNewPort()
        .withName(DISPLAY_PORT_NAME)
        .withProtocol("TCP")
        .withPort(displayPort(desktop))
        .withTargetPort(new IntOrString(DISPLAY_PORT_NAME))
        .endPort()
        .addAllToPorts(soundPorts())
        .endSpec()
        .build();
  }

  /** The Service's sound ports, when desktops have sound. */
  private List<io.fabric8.kubernetes.api.model.ServicePort> soundPorts() {
    if (settings.soundFrom().isEmpty()) {
      return List.of();
    }
    return List.of(
        new io.fabric8.kubernetes.api.model.ServicePortBuilder()
            .withName(SOUND_PORT_NAME)
            .withProtocol("TCP")
            .withPort(TcpDesktopAudio.SOUND_PORT)
            .withTargetPort(new IntOrString(SOUND_PORT_NAME))
            .build(),
        new io.fabric8.kubernetes.api.model.ServicePortBuilder()
            .withName(MICROPHONE_PORT_NAME)
            .withProtocol("TCP")
            .withPort(TcpDesktopAudio.MICROPHONE_PORT)
            .withTargetPort(new IntOrString(MICROPHONE_PORT_NAME))
            .build());
  }

  /** Lets only the agent's pods reach the display port (and sound's); nothing else gets in. */
  public NetworkPolicy networkPolicy(Desktop desktop) {
    String name = desktop.getMetadata().getName();
    return new NetworkPolicyBuilder()
        .withMetadata(meta(desktop, DesktopNames.networkPolicy(name), "display"))
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(Map.of(DesktopNames.DESKTOP_LABEL, name))
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .addNewFrom()
        .withNewNamespaceSelector()
        .withMatchLabels(Map.of("kubernetes.io/metadata.name", settings.agentNamespace()))
        .endNamespaceSelector()
        .withNewPodSelector()
        .withMatchLabels(settings.agentPodLabels())
        .endPodSelector()
        .endFrom()
        .addNewPort()
        .withProtocol("TCP")
        .withPort(new IntOrString(displayPort(desktop)))
        .endPort()
        .addAllToPorts(
            soundPorts().stream()
                .map(
                    p ->
                        new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder()
                            .withProtocol("TCP")
                            .withPort(new IntOrString(p.getPort()))
                            .build())
                .toList())
        .endIngress()
        .endSpec()
        .build();
  }

  /**
   * The DesktopSnapshot for a gateway snapshot. It has no owner: a snapshot outlives its desktop
   * until it is deleted (ADR 0013).
   */
  public DesktopSnapshot desktopSnapshot(SnapshotSpec spec) {
    DesktopSnapshot snapshot = new DesktopSnapshot();
    String desktopName = DesktopNames.desktop(spec.desktopId());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(DesktopNames.SNAPSHOT_ID_ANNOTATION, spec.id());
    annotations.put(DesktopNames.DESKTOP_ID_ANNOTATION, spec.desktopId());
    if (spec.name() != null) {
      annotations.put("opencdi.io/display-name", spec.name());
    }
    snapshot.setMetadata(
        new ObjectMetaBuilder()
            .withName(DesktopNames.snapshot(spec.id()))
            .withNamespace(settings.namespace())
            .withLabels(labels(desktopName, "snapshot"))
            .withAnnotations(annotations)
            .build());
    snapshot.setSpec(new DesktopSnapshotSpec());
    snapshot.getSpec().desktopName = desktopName;
    return snapshot;
  }

  /** The CSI snapshot of a desktop's home volume. */
  public VolumeSnapshot volumeSnapshot(DesktopSnapshot snapshot, String homeClaim) {
    VolumeSnapshot vs = new VolumeSnapshot();
    String name = snapshot.getMetadata().getName();
    Map<String, String> labels = labels(snapshot.getSpec().desktopName, "snapshot");
    vs.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(settings.namespace())
            .withLabels(labels)
            .withOwnerReferences(owner(snapshot))
            .build());
    vs.setSpec(new VolumeSnapshot.Spec());
    vs.getSpec().volumeSnapshotClassName =
        snapshot.getSpec().volumeSnapshotClassName != null
            ? snapshot.getSpec().volumeSnapshotClassName
            : settings.volumeSnapshotClass();
    vs.getSpec().source = new VolumeSnapshot.Source();
    vs.getSpec().source.persistentVolumeClaimName = homeClaim;
    return vs;
  }

  private ObjectMeta meta(Desktop desktop, String name, String component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(settings.namespace())
        .withLabels(labels(desktop.getMetadata().getName(), component))
        .withOwnerReferences(owner(desktop))
        .build();
  }

  /** Controller owner reference: {@code kubectl} shows the owner and GC follows it. */
  static OwnerReference owner(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  static List<String> nonNull(List<String> list) {
    return list == null ? List.of() : list;
  }
}
