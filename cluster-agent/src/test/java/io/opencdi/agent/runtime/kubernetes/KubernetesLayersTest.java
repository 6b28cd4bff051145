package io.opencdi.agent.runtime.kubernetes;

import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.ID;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.NAME;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.eventually;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A desktop's application layers in its Pod, against fabric8's mock API server in CRUD mode: the
 * objects the runtime really wrote are checked, not what {@link DesktopResources} would return.
 */
class KubernetesLayersTest {
  static final List<AppLayer> LAYERS =
      List.of(
          new AppLayer("fonts", "1", "ghcr.io/opencdi/apps/fonts:1"),
          new AppLayer("gimp", "2.10", "ghcr.io/opencdi/apps/gimp:2.10"));

  MockCluster cluster;
  KubernetesRuntime runtime;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.node("node-a", "amd64", "16", "64Gi", 110, "opencdi/desktop-xfce:0.1");
    cluster.storageClass("longhorn");
    cluster.runtimeClass("gvisor", "250m", "128Mi");
  }

  @AfterEach
  void tearDown() {
    if (runtime != null) {
      runtime.close();
    }
    assertThat(ApiPermissions.REQUIRED).containsAll(cluster.permissionsUsed());
    cluster.close();
  }

  Pod pod() {
    return cluster.admin.pods().inNamespace(NS).withName(NAME).get();
  }

  Desktop desktop() {
    return cluster.admin.resources(Desktop.class).inNamespace(NS).withName(NAME).get();
  }

  static Container desktopContainer(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(DesktopResources.CONTAINER))
        .findFirst()
        .orElseThrow();
  }

  static List<VolumeMount> layerMounts(Pod pod) {
    return desktopContainer(pod).getVolumeMounts().stream()
        .filter(m -> m.getMountPath().startsWith(LayerMounts.ROOT))
        .toList();
  }

  static Map<String, String> env(Pod pod) {
    return desktopContainer(pod).getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(java.util.stream.Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  static Volume volume(Pod pod, String name) {
    return pod.getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  Pod startLayered(KubernetesSettings settings, List<AppLayer> layers) {
    runtime = cluster.runtime(settings);
    assertThat(runtime.start(KubernetesRuntimeTest.spec().withLayers(layers)).accepted()).isTrue();
    eventually().until(() -> pod() != null);
    return pod();
  }

  @Test
  void layersAreImageVolumesMountedReadOnlyInLayerOrderAndNamedToTheEntrypoint() {
    Pod pod = startLayered(MockCluster.settings(), LAYERS);

    Volume fonts = volume(pod, "layer-00");
    assertThat(fonts.getImage()).isNotNull();
    assertThat(fonts.getImage().getReference()).isEqualTo("ghcr.io/opencdi/apps/fonts:1");
    assertThat(fonts.getImage().getPullPolicy()).isEqualTo("IfNotPresent");
    Volume gimp = volume(pod, "layer-01");
    assertThat(gimp.getImage().getReference()).isEqualTo("ghcr.io/opencdi/apps/gimp:2.10");
    assertThat(gimp.getImage().getPullPolicy()).isEqualTo("IfNotPresent");
    assertThat(gimp.getEmptyDir()).isNull();

    assertThat(layerMounts(pod))
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "layer-00", "/opt/opencdi/layers/00-fonts", Boolean.TRUE),
            org.assertj.core.groups.Tuple.tuple(
                "layer-01", "/opt/opencdi/layers/01-gimp", Boolean.TRUE));
    assertThat(env(pod))
        .containsEntry(
            "OPENCDI_LAYERS", "/opt/opencdi/layers/00-fonts:/opt/opencdi/layers/01-gimp");
    assertThat(pod.getSpec().getInitContainers()).isEmpty();
    // The home is still the one writable volume the desktop has.
    assertThat(desktopContainer(pod).getVolumeMounts())
        .filteredOn(m -> !Boolean.TRUE.equals(m.getReadOnly()))
        .extracting(VolumeMount::getMountPath)
        .containsExactly(DesktopResources.HOME);
  }

  @Test
  void withoutImageVolumesAnInitContainerPerLayerCopiesItIntoAnEmptyDir() {
    Pod pod = startLayered(MockCluster.settings().withImageVolumes(false), LAYERS);

    for (String volume : List.of("layer-00", "layer-01")) {
      assertThat(volume(pod, volume).getEmptyDir()).isNotNull();
      assertThat(volume(pod, volume).getImage()).isNull();
    }
    List<Container> init = pod.getSpec().getInitContainers();
    assertThat(init)
        .extracting(Container::getName, Container::getImage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("layer-00", "ghcr.io/opencdi/apps/fonts:1"),
            org.assertj.core.groups.Tuple.tuple("layer-01", "ghcr.io/opencdi/apps/gimp:2.10"));
    Container desktop = desktopContainer(pod);
    for (Container copy : init) {
      assertThat(copy.getCommand()).containsExactly("/bin/sh", "-c", LayerMounts.COPY_SCRIPT);
      assertThat(copy.getImagePullPolicy()).isEqualTo("IfNotPresent");
      assertThat(copy.getVolumeMounts())
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.getName()).isEqualTo(copy.getName());
                assertThat(m.getMountPath()).isEqualTo(LayerMounts.COPY_TARGET);
              });
      // As unprivileged as the desktop, and no larger: the Pod's requests and QoS stay the same.
      assertThat(copy.getSecurityContext()).isEqualTo(desktop.getSecurityContext());
      assertThat(copy.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(copy.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(copy.getResources()).isEqualTo(desktop.getResources());
    }
    assertThat(layerMounts(pod))
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "layer-00", "/opt/opencdi/layers/00-fonts", Boolean.TRUE),
            org.assertj.core.groups.Tuple.tuple(
                "layer-01", "/opt/opencdi/layers/01-gimp", Boolean.TRUE));
    assertThat(env(pod))
        .containsEntry(
            "OPENCDI_LAYERS", "/opt/opencdi/layers/00-fonts:/opt/opencdi/layers/01-gimp");
  }

  @Test
  void aLayerImageThatCannotBePulledOrCopiedFailsTheDesktopWithTheLayersReason() {
    List<DesktopStatus> statuses = new CopyOnWriteArrayList<>();
    Pod pod = startLayered(MockCluster.settings().withImageVolumes(false), LAYERS);
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }

          @Override
          public void capacityChanged(String name) {}
        });
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Pending")
            .addNewInitContainerStatus()
            .withName("layer-00")
            .withImage("ghcr.io/opencdi/apps/fonts:1")
            .withNewState()
            .withNewTerminated()
            .withExitCode(0)
            .endTerminated()
            .endState()
            .endInitContainerStatus()
            .addNewInitContainerStatus()
            .withName("layer-01")
            .withImage("ghcr.io/opencdi/apps/gimp:2.10")
            .withNewState()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"ghcr.io/opencdi/apps/gimp:2.10\"")
            .endWaiting()
            .endState()
            .endInitContainerStatus()
            .addNewContainerStatus()
            .withName(DesktopResources.CONTAINER)
            .withNewState()
            .withNewWaiting()
            .withReason("PodInitializing")
            .endWaiting()
            .endState()
            .endContainerStatus()
            .build());
    cluster.admin.pods().inNamespace(NS).resource(pod).updateStatus();

    eventually()
        .until(
            () ->
                !statuses.isEmpty()
                    && statuses.get(statuses.size() - 1).state() == DesktopState.FAILED);
    assertThat(statuses.get(statuses.size() - 1).reason())
        .isEqualTo(
            "layer image pull failed: ghcr.io/opencdi/apps/gimp:2.10: ImagePullBackOff: Back-off"
                + " pulling image \"ghcr.io/opencdi/apps/gimp:2.10\"");
    eventually().until(() -> pod() == null && desktop().getSpec().power.name().equals("Off"));
  }

  @Test
  void aLayerCopyThatKeepsFailingSaysWhatTheLayerImageNeeds() {
    Pod pod =
        new DesktopResources(MockCluster.settings().withImageVolumes(false)).pod(layered(LAYERS));
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Pending")
            .addNewInitContainerStatus()
            .withName("layer-00")
            .withImage("ghcr.io/opencdi/apps/fonts:1")
            .withRestartCount(4)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withExitCode(127)
            .withReason("Error")
            .endTerminated()
            .endLastState()
            .endInitContainerStatus()
            .build());
    assertThat(DesktopStateMapper.failure(pod, "opencdi/desktop-xfce:0.1", List.of()))
        .isEqualTo(
            "layer layer-00 could not be copied (ghcr.io/opencdi/apps/fonts:1 needs /bin/sh and"
                + " cp): exit code 127 (Error)");
  }

  static Desktop layered(List<AppLayer> layers) {
    Desktop desktop =
        new DesktopResources(MockCluster.settings())
            .desktop(KubernetesRuntimeTest.spec().withLayers(layers), Power.ON, "amd64");
    desktop.getMetadata().setUid("uid-1");
    return desktop;
  }

  @Test
  void aDesktopWithoutLayersHasNoLayerVolumesMountsInitContainersOrVariable() {
    String second = "5a6b7c8d-0d4e-4b8a-9c1e-3f9c2a100000";
    for (String id : List.of(ID, second)) {
      KubernetesSettings settings = MockCluster.settings().withImageVolumes(id.equals(ID));
      if (runtime != null) {
        runtime.close();
      }
      runtime = cluster.runtime(settings);
      DesktopSpec plain =
          KubernetesRuntimeTest.spec(id, "node-a", "gvisor", "opencdi/desktop-xfce:0.1");
      assertThat(runtime.start(plain).accepted()).isTrue();
      String name = DesktopNames.desktop(id);
      eventually().until(() -> cluster.admin.pods().inNamespace(NS).withName(name).get() != null);
      Pod pod = cluster.admin.pods().inNamespace(NS).withName(name).get();
      assertThat(pod.getSpec().getVolumes())
          .extracting(Volume::getName)
          .containsExactly("home", "policy");
      assertThat(pod.getSpec().getInitContainers()).isEmpty();
      assertThat(layerMounts(pod)).isEmpty();
      assertThat(env(pod)).doesNotContainKey("OPENCDI_LAYERS");
      assertThat(
              cluster
                  .admin
                  .resources(Desktop.class)
                  .inNamespace(NS)
                  .withName(name)
                  .get()
                  .getSpec()
                  .layers)
          .isNull();
    }
  }

  @Test
  void theDesktopResourceCarriesTheLayersAndAPodMadeFromItAloneGetsThem() {
    startLayered(MockCluster.settings(), LAYERS);
    assertThat(desktop().getSpec().layers)
        .extracting(l -> l.name, l -> l.version, l -> l.image)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("fonts", "1", "ghcr.io/opencdi/apps/fonts:1"),
            org.assertj.core.groups.Tuple.tuple("gimp", "2.10", "ghcr.io/opencdi/apps/gimp:2.10"));

    // A power cycle by a command without layers keeps those the desktop was created with.
    runtime.stop(KubernetesRuntimeTest.spec());
    eventually().until(() -> pod() == null);
    runtime.start(KubernetesRuntimeTest.spec());
    eventually().until(() -> pod() != null && desktop().getSpec().power.name().equals("On"));
    assertThat(desktop().getSpec().layers).hasSize(2);
    assertThat(layerMounts(pod())).hasSize(2);
  }

  @Test
  void aDesktopAppliedWithLayersButNoAgentCommandGetsThemToo() {
    // As Karmada propagates it, or kubectl applies it: only the resource, no gateway command.
    runtime = cluster.runtime();
    Desktop applied =
        new DesktopResources(MockCluster.settings())
            .desktop(KubernetesRuntimeTest.spec(), Power.ON, "amd64");
    applied.getSpec().layers = List.of(new DesktopResourceSpec.Layer("gimp", null, "gimp:3"));
    cluster.create(applied);
    eventually().until(() -> pod() != null);
    assertThat(volume(pod(), "layer-00").getImage().getReference()).isEqualTo("gimp:3");
    assertThat(env(pod())).containsEntry("OPENCDI_LAYERS", "/opt/opencdi/layers/00-gimp");
  }

  @Test
  void aDesktopResourceWrittenWithoutLayersStillRuns() {
    // Desktops from before layers existed have no spec.layers at all.
    runtime = cluster.runtime();
    Desktop old =
        new DesktopResources(MockCluster.settings())
            .desktop(KubernetesRuntimeTest.spec(), Power.ON, "amd64");
    assertThat(old.getSpec().layers).isNull();
    cluster.create(old);
    eventually().until(() -> pod() != null);
    assertThat(layerMounts(pod())).isEmpty();
  }

  @Test
  void aLayerNameThatIsNoDnsLabelIsRefusedAndChangesNothing() {
    runtime = cluster.runtime();
    for (String name : List.of("../../etc", "a/b", "..", "Gimp", "", "x".repeat(64))) {
      DesktopSpec hostile =
          KubernetesRuntimeTest.spec().withLayers(List.of(new AppLayer(name, "1", "img:1")));
      assertThat(runtime.start(hostile).reason())
          .isEqualTo(
              "desktop "
                  + ID
                  + ": layer name '"
                  + name
                  + "' is not a DNS label (lower-case letters, digits and '-', at most 63)");
    }
    DesktopSpec noImage =
        KubernetesRuntimeTest.spec().withLayers(List.of(new AppLayer("gimp", "1", " ")));
    assertThat(runtime.start(noImage).reason())
        .isEqualTo("desktop " + ID + ": layer gimp names no image");
    assertThat(cluster.admin.resources(Desktop.class).inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aHostileLayerNameInADesktopResourceCannotLeaveTheLayerRoot() {
    // Written past the agent's admission (by hand, without the CRD's schema): the name is made
    // safe, never used as a path.
    runtime = cluster.runtime();
    Desktop applied =
        new DesktopResources(MockCluster.settings())
            .desktop(KubernetesRuntimeTest.spec(), Power.ON, "amd64");
    applied.getSpec().layers =
        List.of(
            new DesktopResourceSpec.Layer("../../../etc", null, "a:1"),
            new DesktopResourceSpec.Layer("..", null, "b:1"),
            new DesktopResourceSpec.Layer("x/../../bin", null, "c:1"));
    cluster.create(applied);
    eventually().until(() -> pod() != null);
    List<String> paths = layerMounts(pod()).stream().map(VolumeMount::getMountPath).toList();
    assertThat(paths)
        .containsExactly(
            "/opt/opencdi/layers/00-etc",
            "/opt/opencdi/layers/01-layer",
            "/opt/opencdi/layers/02-x-bin");
    Path root = Path.of(LayerMounts.ROOT);
    for (String path : paths) {
      Path p = Path.of(path);
      assertThat(p.normalize()).isEqualTo(p);
      assertThat(p.getParent()).isEqualTo(root);
    }
  }

  @Test
  void layerDirectoriesSortInLayerOrderAlsoPastTen() {
    List<DesktopResourceSpec.Layer> many = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      many.add(new DesktopResourceSpec.Layer("l" + i, null, "img:" + i));
    }
    List<String> paths = LayerMounts.of(many).stream().map(LayerMounts.Mount::path).toList();
    assertThat(paths.get(2)).isEqualTo("/opt/opencdi/layers/02-l2");
    assertThat(paths.get(11)).isEqualTo("/opt/opencdi/layers/11-l11");
    assertThat(paths.stream().sorted().toList()).isEqualTo(paths);
    many.addAll(many.subList(0, 12));
    for (int i = 0; i < 100 - 24; i++) {
      many.add(new DesktopResourceSpec.Layer("m", null, "img"));
    }
    List<String> hundred = LayerMounts.of(many).stream().map(LayerMounts.Mount::path).toList();
    assertThat(hundred.get(0)).isEqualTo("/opt/opencdi/layers/00-l0");
    assertThat(hundred.get(99)).isEqualTo("/opt/opencdi/layers/99-m");
    many.add(new DesktopResourceSpec.Layer("top", null, "img"));
    List<String> more = LayerMounts.of(many).stream().map(LayerMounts.Mount::path).toList();
    assertThat(more.get(0)).isEqualTo("/opt/opencdi/layers/000-l0");
    assertThat(more.get(100)).isEqualTo("/opt/opencdi/layers/100-top");
    assertThat(more.stream().sorted().toList()).isEqualTo(more);
  }
}
