package io.opencdi.agent.runtime.kubernetes;

import static io.opencdi.agent.runtime.kubernetes.MockCluster.CLUSTER;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshotSpec;
import io.opencdi.agent.runtime.kubernetes.crd.VolumeSnapshot;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kubernetes runtime against fabric8's mock API server in CRUD mode. The mock runs no
 * controllers, so the test plays the scheduler and kubelet by patching Pod status.
 */
class KubernetesRuntimeTest {
  static final String ID = "3f9c2a10-0d4e-4b8a-9c1e-5a6b7c8d9e0f";
  static final String NAME = "desktop-" + ID;

  MockCluster cluster;
  KubernetesRuntime runtime;
  final List<DesktopStatus> statuses = new CopyOnWriteArrayList<>();
  final AtomicInteger capacitySignals = new AtomicInteger();

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.node("node-a", "amd64", "16", "64Gi", 110, "opencdi/desktop-xfce:0.1");
    cluster.node("node-b", "arm64", "8", "32Gi", 110);
    cluster.storageClass("longhorn");
    cluster.runtimeClass("gvisor", "250m", "128Mi");
  }

  @AfterEach
  void tearDown() {
    if (runtime != null) {
      runtime.close();
    }
    if (cluster != null) {
      // Whatever the runtime sent, its RBAC grants.
      assertThat(ApiPermissions.REQUIRED).containsAll(cluster.permissionsUsed());
      cluster.close();
    }
  }

  void startRuntime() {
    runtime = cluster.runtime();
    listen();
  }

  void listen() {
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }

          @Override
          public void capacityChanged(String name) {
            capacitySignals.incrementAndGet();
          }
        });
  }

  static DesktopSpec spec(String id, String node, String runtimeClass, String image) {
    return new DesktopSpec(
        id,
        "dev box",
        "alice",
        CLUSTER,
        node,
        image,
        2000,
        4096,
        runtimeClass,
        "longhorn",
        20,
        Power.ON);
  }

  static DesktopSpec spec() {
    return spec(ID, "node-a", "gvisor", "opencdi/desktop-xfce:0.1");
  }

  static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20));
  }

  Pod pod(String name) {
    return cluster.admin.pods().inNamespace(NS).withName(name).get();
  }

  Desktop desktop(String name) {
    return cluster.admin.resources(Desktop.class).inNamespace(NS).withName(name).get();
  }

  PersistentVolumeClaim claim(String name) {
    return cluster.admin.persistentVolumeClaims().inNamespace(NS).withName(name).get();
  }

  DesktopState lastState(String id) {
    return statuses.stream()
        .filter(s -> s.desktopId().equals(id))
        .reduce((a, b) -> b)
        .map(DesktopStatus::state)
        .orElse(null);
  }

  List<DesktopState> states(String id) {
    return statuses.stream()
        .filter(s -> s.desktopId().equals(id))
        .map(DesktopStatus::state)
        .toList();
  }

  /** The scheduler binds the Pod and the kubelet reports it running and ready. */
  void kubeletRuns(String name, String node) {
    cluster.member().schedule(name, node);
    cluster.member().kubeletRuns(name);
  }

  void setPodStatus(String name, PodStatus status) {
    cluster.member().kubeletReports(name, status);
  }

  @Test
  void aDesktopBecomesAPodAHomeVolumeAServiceAndANetworkPolicy() throws Exception {
    startRuntime();
    assertThat(runtime.start(spec())).isEqualTo(Admission.accept());

    eventually().until(() -> pod(NAME) != null);
    Desktop desktop = desktop(NAME);
    assertThat(desktop.getSpec().desktopId).isEqualTo(ID);
    assertThat(desktop.getSpec().owner).isEqualTo("alice");
    assertThat(desktop.getSpec().power.name()).isEqualTo("On");
    assertThat(desktop.getSpec().arch).isEqualTo("amd64");
    assertThat(desktop.getSpec().home.sizeGiB).isEqualTo(20);
    assertThat(desktop.getMetadata().getFinalizers()).containsExactly(DesktopNames.FINALIZER);
    assertThat(desktop.getMetadata().getAnnotations()).containsEntry("opencdi.io/owner", "alice");

    Pod pod = pod(NAME);
    Map<String, String> labels = pod.getMetadata().getLabels();
    assertThat(labels)
        .containsEntry("app.kubernetes.io/name", "opencdi-desktop")
        .containsEntry("app.kubernetes.io/instance", NAME)
        .containsEntry("app.kubernetes.io/component", "desktop")
        .containsEntry("app.kubernetes.io/part-of", "opencdi")
        .containsEntry("app.kubernetes.io/managed-by", "opencdi-agent")
        .containsEntry("opencdi.io/desktop", NAME);
    var owner = pod.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("Desktop");
    assertThat(owner.getApiVersion()).isEqualTo("opencdi.io/v1alpha1");
    assertThat(owner.getName()).isEqualTo(NAME);
    assertThat(owner.getUid()).isEqualTo(desktop.getMetadata().getUid()).isNotBlank();
    assertThat(owner.getController()).isTrue();
    var podSpec = pod.getSpec();
    assertThat(podSpec.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(podSpec.getAutomountServiceAccountToken()).isFalse();
    assertThat(podSpec.getNodeSelector()).containsExactly(Map.entry("kubernetes.io/arch", "amd64"));
    var term =
        podSpec
            .getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms()
            .get(0)
            .getMatchFields()
            .get(0);
    assertThat(term.getKey()).isEqualTo("metadata.name");
    assertThat(term.getOperator()).isEqualTo("In");
    assertThat(term.getValues()).containsExactly("node-a");
    assertThat(podSpec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(podSpec.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(podSpec.getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    var container = podSpec.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("opencdi/desktop-xfce:0.1");
    assertThat(container.getResources().getRequests())
        .containsEntry("cpu", new Quantity("2000m"))
        .containsEntry("memory", new Quantity("4096Mi"))
        .containsEntry("ephemeral-storage", new Quantity("1Gi"));
    assertThat(container.getResources().getLimits())
        .isEqualTo(container.getResources().getRequests());
    assertThat(container.getLivenessProbe().getTcpSocket().getPort())
        .isEqualTo(new IntOrString("vnc"));
    var sc = container.getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(5901);
    assertThat(container.getPorts().get(0).getName()).isEqualTo("vnc");
    assertThat(container.getReadinessProbe().getTcpSocket().getPort())
        .isEqualTo(new IntOrString("vnc"));
    assertThat(container.getEnv())
        .anySatisfy(
            e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("OPENCDI_VNC_PORT=5901"));
    // Every setting the Pod gives the desktop is one the image's entrypoint reads.
    String entrypoint =
        java.nio.file.Files.readString(java.nio.file.Path.of("../images/desktop/entrypoint.sh"));
    assertThat(container.getEnv())
        .extracting(io.fabric8.kubernetes.api.model.EnvVar::getName)
        .filteredOn(n -> n.startsWith("OPENCDI_"))
        .allSatisfy(
            n -> assertThat(entrypoint).as("entrypoint.sh documents " + n).contains("#   " + n));
    assertThat(container.getVolumeMounts().get(0).getMountPath()).isEqualTo("/home/desktop");
    assertThat(podSpec.getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
        .isEqualTo(NAME + "-home");

    PersistentVolumeClaim claim = claim(NAME + "-home");
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("longhorn");
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(claim.getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("20Gi"));
    assertThat(claim.getSpec().getDataSource()).isNull();
    assertThat(claim.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "home");
    assertThat(claim.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo(NAME);

    Service service = cluster.admin.services().inNamespace(NS).withName(NAME).get();
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getSelector())
        .containsExactly(Map.entry("opencdi.io/desktop", NAME));
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(5901);
    assertThat(service.getSpec().getPorts().get(0).getTargetPort())
        .isEqualTo(new IntOrString("vnc"));
    assertThat(service.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo(NAME);

    NetworkPolicy policy =
        cluster
            .admin
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(NS)
            .withName(NAME + "-display")
            .get();
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .containsExactly(Map.entry("opencdi.io/desktop", NAME));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getIngress()).hasSize(1);
    var rule = policy.getSpec().getIngress().get(0);
    assertThat(rule.getFrom()).hasSize(1);
    assertThat(rule.getFrom().get(0).getNamespaceSelector().getMatchLabels())
        .containsExactly(Map.entry("kubernetes.io/metadata.name", "opencdi-system"));
    assertThat(rule.getFrom().get(0).getPodSelector().getMatchLabels())
        .containsExactly(Map.entry("app.kubernetes.io/name", "opencdi-agent"));
    assertThat(rule.getPorts().get(0).getPort()).isEqualTo(new IntOrString(5901));
    assertThat(rule.getPorts().get(0).getProtocol()).isEqualTo("TCP");

    eventually().until(() -> lastState(ID) == DesktopState.STARTING);
    assertThat(runtime.display(CLUSTER, ID)).isEmpty();

    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    eventually().until(() -> "RUNNING".equals(desktop(NAME).getStatus().state));
    Desktop running = desktop(NAME);
    assertThat(running.getStatus().node).isEqualTo("node-a");
    assertThat(running.getStatus().homeClaim).isEqualTo(NAME + "-home");
    assertThat(running.getStatus().lastTransitionTime).isNotBlank();
    assertThat(running.getStatus().conditions.get(0).getType()).isEqualTo("Ready");
    assertThat(running.getStatus().conditions.get(0).getStatus()).isEqualTo("True");
    DisplayEndpoint display = runtime.display(CLUSTER, ID).orElseThrow();
    String clusterIp =
        cluster.admin.services().inNamespace(NS).withName(NAME).get().getSpec().getClusterIP();
    assertThat(display.host()).isEqualTo(clusterIp != null ? clusterIp : NAME + "." + NS + ".svc");
    assertThat(display.port()).isEqualTo(5901);
    assertThat(runtime.inventory())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.desktopId()).isEqualTo(ID);
              assertThat(s.state()).isEqualTo(DesktopState.RUNNING);
              assertThat(s.node()).isEqualTo("node-a");
            });

    // A repeated START changes nothing and re-reports RUNNING.
    int before = statuses.size();
    assertThat(runtime.start(spec()).accepted()).isTrue();
    assertThat(statuses.subList(before, statuses.size()))
        .extracting(DesktopStatus::state)
        .containsExactly(DesktopState.RUNNING);
  }

  /**
   * A Kubernetes desktop's sound (ADR 0044): the Pod serves it on TCP to the agent pods' range, the
   * Service and the NetworkPolicy carry its ports for the agent alone, and the runtime reads the
   * sound and writes the microphone through the Service. A server on this host stands in for the
   * Pod's two ports.
   */
  @Test
  void aDesktopServesItsSoundToTheAgentThroughItsService() throws Exception {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    var container = pod(NAME).getSpec().getContainers().get(0);
    assertThat(container.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("vnc:5901", "sound:5910", "microphone:5911");
    assertThat(container.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains(
            "OPENCDI_AUDIO_TCP=0.0.0.0:5910",
            "OPENCDI_MIC_TCP=0.0.0.0:5911",
            "OPENCDI_AUDIO_PEER=" + MockCluster.SOUND_FROM);
    Service service = cluster.admin.services().inNamespace(NS).withName(NAME).get();
    assertThat(service.getSpec().getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal())
        .containsExactly("vnc:5901->vnc", "sound:5910->sound", "microphone:5911->microphone");
    NetworkPolicy policy =
        cluster
            .admin
            .network()
            .networkPolicies()
            .inNamespace(NS)
            .withName(DesktopNames.networkPolicy(NAME))
            .get();
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule ->
                assertThat(rule.getPorts())
                    .extracting(p -> p.getPort().getIntVal())
                    .containsExactly(5901, 5910, 5911));
    assertThat(runtime.audio(CLUSTER, ID)).as("no sound before it runs").isEmpty();

    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    try (java.net.ServerSocket sound = new java.net.ServerSocket(0, 1, loopback());
        java.net.ServerSocket microphone = new java.net.ServerSocket(0, 1, loopback())) {
      // The Service as kube-proxy serves it here: its address and ports lead to this host.
      service = cluster.admin.services().inNamespace(NS).withName(NAME).get();
      service.getSpec().setClusterIP("127.0.0.1");
      service.getSpec().getPorts().get(1).setPort(sound.getLocalPort());
      service.getSpec().getPorts().get(2).setPort(microphone.getLocalPort());
      cluster.admin.services().inNamespace(NS).resource(service).update();
      eventually()
          .until(
              () ->
                  runtime
                      .audio(CLUSTER, ID)
                      .filter(
                          a ->
                              a.equals(
                                  new TcpDesktopAudio(
                                      "127.0.0.1",
                                      sound.getLocalPort(),
                                      microphone.getLocalPort())))
                      .isPresent());
      DesktopAudio audio = runtime.audio(CLUSTER, ID).orElseThrow();
      try (var played = audio.sound();
          var playing = sound.accept();
          var mic = audio.microphone();
          var heard = microphone.accept()) {
        playing.getOutputStream().write(new byte[] {1, 2, 3, 4});
        assertThat(played.readNBytes(4)).containsExactly(1, 2, 3, 4);
        mic.write(new byte[] {5, 6});
        mic.flush();
        assertThat(heard.getInputStream().readNBytes(2)).containsExactly(5, 6);
      }
    }
  }

  private static java.net.InetAddress loopback() throws java.net.UnknownHostException {
    return java.net.InetAddress.getByName("127.0.0.1");
  }

  @Test
  void runcDesktopsNameNoRuntimeClass() {
    startRuntime();
    runtime.start(spec(ID, "node-b", "runc", "opencdi/desktop-xfce:0.1"));
    eventually().until(() -> pod(NAME) != null);
    assertThat(pod(NAME).getSpec().getRuntimeClassName()).isNull();
    assertThat(pod(NAME).getSpec().getNodeSelector()).containsEntry("kubernetes.io/arch", "arm64");
  }

  @Test
  void powerOffDeletesThePodAndKeepsTheVolumeAndPowerOnUsesItAgain() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    String claimUid = claim(NAME + "-home").getMetadata().getUid();

    assertThat(runtime.stop(spec()).accepted()).isTrue();
    eventually().until(() -> lastState(ID) == DesktopState.STOPPED);
    assertThat(pod(NAME)).isNull();
    assertThat(desktop(NAME).getSpec().power.name()).isEqualTo("Off");
    assertThat(claim(NAME + "-home").getMetadata().getUid()).isEqualTo(claimUid);
    assertThat(states(ID))
        .containsSubsequence(DesktopState.RUNNING, DesktopState.STOPPING, DesktopState.STOPPED);
    assertThat(runtime.display(CLUSTER, ID)).isEmpty();

    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    assertThat(pod(NAME).getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
        .isEqualTo(NAME + "-home");
    assertThat(claim(NAME + "-home").getMetadata().getUid()).isEqualTo(claimUid);
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
  }

  private static int indexOf(List<String> requests, String part) {
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void deleteRemovesEverythingAndTheVolumeLast() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);

    assertThat(runtime.delete(CLUSTER, ID).accepted()).isTrue();
    eventually().until(() -> lastState(ID) == DesktopState.DELETED);
    assertThat(desktop(NAME)).isNull();
    assertThat(pod(NAME)).isNull();
    assertThat(claim(NAME + "-home")).isNull();
    assertThat(cluster.admin.services().inNamespace(NS).withName(NAME).get()).isNull();
    assertThat(
            cluster
                .admin
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(NS)
                .withName(NAME + "-display")
                .get())
        .isNull();
    assertThat(runtime.inventory()).isEmpty();
    List<String> deletes =
        cluster.agentRequests().stream().filter(r -> r.startsWith("DELETE")).toList();
    // The volume last: every other object's delete went out before the claim's. (A repeated
    // delete from a stale cache may follow it; that one finds nothing.)
    int claimDelete = indexOf(deletes, "/persistentvolumeclaims/" + NAME + "-home");
    assertThat(claimDelete).isNotNegative();
    for (String other : List.of("/pods/", "/services/", "/networkpolicies/")) {
      assertThat(indexOf(deletes, other)).as(other).isNotNegative().isLessThan(claimDelete);
    }
    // The volume goes only once the Pod is gone (a repeated Pod delete is harmless).
    int lastPodDelete = -1;
    int firstClaimDelete = -1;
    for (int i = 0; i < deletes.size(); i++) {
      if (deletes.get(i).contains("/pods/")) {
        lastPodDelete = i;
      }
      if (firstClaimDelete < 0 && deletes.get(i).contains("/persistentvolumeclaims/")) {
        firstClaimDelete = i;
      }
    }
    assertThat(lastPodDelete).isNotNegative().isLessThan(firstClaimDelete);

    // Deleting what does not exist succeeds and says DELETED again.
    statuses.clear();
    assertThat(runtime.delete(CLUSTER, ID).accepted()).isTrue();
    assertThat(states(ID)).containsExactly(DesktopState.DELETED);
  }

  @Test
  void stopOfAnUnknownDesktopRegistersItStoppedWithItsVolume() {
    startRuntime();
    assertThat(runtime.stop(spec()).accepted()).isTrue();
    eventually().until(() -> lastState(ID) == DesktopState.STOPPED);
    assertThat(pod(NAME)).isNull();
    assertThat(claim(NAME + "-home")).isNotNull();
  }

  @Test
  void anImagePullFailureFailsTheDesktopWithTheReasonAndFreesTheNode() {
    startRuntime();
    runtime.start(spec(ID, "node-a", "gvisor", "opencdi/missing:1"));
    eventually().until(() -> pod(NAME) != null);
    setPodStatus(
        NAME,
        new PodStatusBuilder()
            .withPhase("Pending")
            .addToContainerStatuses(
                new ContainerStatusBuilder()
                    .withName("desktop")
                    .withImage("opencdi/missing:1")
                    .withReady(false)
                    .withNewState()
                    .withNewWaiting()
                    .withReason("ImagePullBackOff")
                    .withMessage("Back-off pulling image \"opencdi/missing:1\"")
                    .endWaiting()
                    .endState()
                    .build())
            .build());
    eventually().until(() -> lastState(ID) == DesktopState.FAILED);
    DesktopStatus failed = statuses.getLast();
    assertThat(failed.reason())
        .isEqualTo(
            "image pull failed: opencdi/missing:1: ImagePullBackOff: Back-off pulling image"
                + " \"opencdi/missing:1\"");
    eventually().until(() -> pod(NAME) == null);
    eventually().until(() -> "Off".equals(desktop(NAME).getSpec().power.name()));
    assertThat(desktop(NAME).getStatus().state).isEqualTo("FAILED");
    assertThat(desktop(NAME).getStatus().reason).isEqualTo(failed.reason());
    assertThat(claim(NAME + "-home")).isNotNull();
    assertThat(lastState(ID)).isEqualTo(DesktopState.FAILED);

    // Starting it again is a new attempt.
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null && lastState(ID) == DesktopState.STARTING);
  }

  @Test
  void aStartThatHangsWithoutAnyReportFailsAtItsDeadline() {
    // Nothing ever happens to the Pod (no kubelet, no event): only the deadline can end the wait.
    runtime = cluster.runtime(MockCluster.settings(Duration.ofSeconds(2)));
    listen();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    assertThat(pod(NAME).getMetadata().getCreationTimestamp()).isNotBlank();
    eventually().until(() -> lastState(ID) == DesktopState.STARTING);

    eventually().until(() -> lastState(ID) == DesktopState.FAILED);
    assertThat(statuses.getLast().reason()).isEqualTo("did not become ready within 2s");
    // As for any failed start: the Pod goes, the home volume stays, the desktop is powered off.
    eventually().until(() -> pod(NAME) == null);
    eventually().until(() -> "Off".equals(desktop(NAME).getSpec().power.name()));
    assertThat(claim(NAME + "-home")).isNotNull();
  }

  @Test
  void anUnschedulablePodFailsTheDesktopWithTheSchedulersMessage() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    setPodStatus(
        NAME,
        new PodStatusBuilder()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage("0/2 nodes are available: 1 Insufficient cpu.")
            .endCondition()
            .build());
    eventually().until(() -> lastState(ID) == DesktopState.FAILED);
    assertThat(statuses.getLast().reason())
        .isEqualTo("unschedulable: 0/2 nodes are available: 1 Insufficient cpu.");
  }

  /** The scheduler binds the Pod; the kubelet on the node has not got it running yet. */
  void schedulerBinds(String name, String node) {
    cluster.member().schedule(name, node);
  }

  /** A component (kubelet, attach/detach controller) records a Warning about a Pod. */
  Event warn(String podName, String podUid, String reason, String message, Instant first) {
    return warn(podName, podUid, reason, message, first, first, 1);
  }

  /** A Warning the recorder has counted {@code count} times from {@code first} to {@code last}. */
  Event warn(
      String podName,
      String podUid,
      String reason,
      String message,
      Instant first,
      Instant last,
      int count) {
    return cluster.member().warns(podName, podUid, "node-a", reason, message, first, last, count);
  }

  /** The same warning once more: the event recorder counts it into the same Event. */
  void recurs(Event event, Instant at) {
    cluster
        .admin
        .v1()
        .events()
        .inNamespace(NS)
        .withName(event.getMetadata().getName())
        .edit(
            e -> {
              e.setLastTimestamp(at.toString());
              e.setCount(e.getCount() + 1);
              return e;
            });
  }

  DesktopStatus lastStatus(String id) {
    return statuses.stream().filter(s -> s.desktopId().equals(id)).reduce((a, b) -> b).orElse(null);
  }

  @Test
  void aSandboxTheNodeCannotCreateFailsTheDesktopWithTheKubeletsMessage() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    schedulerBinds(NAME, "node-a");
    String message =
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox"
            + " runtime: no runtime for \"runsc\" is configured";
    warn(NAME, pod(NAME).getMetadata().getUid(), "FailedCreatePodSandBox", message, Instant.now());

    eventually().until(() -> lastState(ID) == DesktopState.FAILED);
    String reason = "runtime class gvisor is not installed on node node-a: " + message;
    assertThat(lastStatus(ID).reason()).isEqualTo(reason);
    // As with any failure: the Pod goes (it holds the node's capacity), the volume stays, the
    // power is off until the next start.
    eventually().until(() -> pod(NAME) == null);
    eventually().until(() -> "Off".equals(desktop(NAME).getSpec().power.name()));
    assertThat(desktop(NAME).getStatus().state).isEqualTo("FAILED");
    assertThat(desktop(NAME).getStatus().reason).isEqualTo(reason);
    assertThat(claim(NAME + "-home")).isNotNull();
    assertThat(lastState(ID)).isEqualTo(DesktopState.FAILED);
  }

  @Test
  void aMountRetryIsShownWhileStartingAndFailsTheDesktopOnlyOnceItKeepsRecurring() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    schedulerBinds(NAME, "node-a");
    String message =
        "MountVolume.MountDevice failed for volume \"pvc-1\" : rpc error: code = Aborted desc ="
            + " volume pvc-1 is not ready for workloads";
    // Kubelet has retried the mount for 100 s: below the threshold (3m) the desktop keeps
    // starting and shows why it takes long.
    Instant first = Instant.now().minusSeconds(100);
    Event mount =
        warn(
            NAME,
            pod(NAME).getMetadata().getUid(),
            "FailedMount",
            message,
            first,
            first.plusSeconds(100),
            3);

    String shown = "home volume cannot be mounted: " + message;
    eventually()
        .until(
            () ->
                lastStatus(ID) != null
                    && lastStatus(ID).state() == DesktopState.STARTING
                    && shown.equals(lastStatus(ID).reason()));
    eventually().until(() -> shown.equals(desktop(NAME).getStatus().reason));
    assertThat(desktop(NAME).getStatus().state).isEqualTo("STARTING");
    assertThat(pod(NAME)).isNotNull();
    assertThat(desktop(NAME).getSpec().power.name()).isEqualTo("On");

    // It kept failing from the first to the last attempt for longer than the threshold.
    recurs(mount, first.plusSeconds(185));
    eventually().until(() -> lastState(ID) == DesktopState.FAILED);
    assertThat(lastStatus(ID).reason()).isEqualTo(shown + " (kept failing for 3m5s)");
    eventually().until(() -> pod(NAME) == null);
    assertThat(statuses)
        .filteredOn(s -> s.state() == DesktopState.FAILED)
        .singleElement()
        .satisfies(s -> assertThat(s.reason()).endsWith("(kept failing for 3m5s)"));
  }

  @Test
  void warningsAboutAnEarlierPodOfTheDesktopAreIgnored() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    schedulerBinds(NAME, "node-a");
    // The desktop's previous Pod (same name, another uid) could not get its sandbox.
    warn(
        NAME,
        "0b9d6c1e-old-pod",
        "FailedCreatePodSandBox",
        "Failed to create pod sandbox: no runtime for \"runsc\" is configured",
        Instant.now().minusSeconds(600));
    // This Pod's own warning, a retry, is reconciled after it: once its reason shows, the earlier
    // Pod's terminal warning has been seen and did not count.
    warn(
        NAME,
        pod(NAME).getMetadata().getUid(),
        "FailedAttachVolume",
        "AttachVolume.Attach failed for volume \"pvc-1\" : volume is still detaching",
        Instant.now());
    eventually()
        .until(
            () ->
                lastStatus(ID) != null
                    && lastStatus(ID).reason() != null
                    && lastStatus(ID).reason().startsWith("home volume cannot be attached"));
    assertThat(states(ID)).doesNotContain(DesktopState.FAILED);

    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    assertThat(lastStatus(ID).reason()).isNull();
    assertThat(pod(NAME)).isNotNull();
  }

  @Test
  void whatCanNeverRunIsRefusedAndChangesNothing() {
    startRuntime();
    assertThat(runtime.start(spec(ID, "node-z", "gvisor", "img")).reason())
        .isEqualTo("cluster k8s-1 has no node node-z");
    assertThat(runtime.start(spec(ID, "node-a", "kata", "img")).reason())
        .isEqualTo("cluster k8s-1 has no runtime class kata (it has runc, gvisor)");
    DesktopSpec otherCluster =
        new DesktopSpec(ID, "x", "alice", "bj-1", "node-a", "img", 1, 1, null, null, 1, Power.ON);
    assertThat(runtime.start(otherCluster).reason())
        .isEqualTo("unknown cluster bj-1; this agent serves k8s-1");
    DesktopSpec ceph =
        new DesktopSpec(
            ID, "x", "alice", CLUSTER, "node-a", "img", 1, 1, null, "ceph", 1, Power.ON);
    assertThat(runtime.start(ceph).reason())
        .isEqualTo("cluster k8s-1 has no storage class ceph (it has longhorn)");
    DesktopSpec huge =
        new DesktopSpec(
            ID, "x", "alice", CLUSTER, "node-b", "img", 9000, 1, null, null, 1, Power.ON);
    assertThat(runtime.start(huge).reason())
        .startsWith("desktop " + ID + " would not fit on node node-b even when it is empty");
    DesktopSpec badId =
        new DesktopSpec(
            "Bad_Id", "x", "alice", CLUSTER, "node-a", "img", 1, 1, null, null, 1, Power.ON);
    assertThat(runtime.start(badId).reason())
        .startsWith("desktop id Bad_Id cannot name Kubernetes objects");
    assertThat(runtime.delete("bj-1", ID).accepted()).isFalse();
    assertThat(cluster.admin.resources(Desktop.class).inNamespace(NS).list().getItems()).isEmpty();
    assertThat(statuses).isEmpty();
  }

  @Test
  void aSnapshotBecomesAVolumeSnapshotAndARestoreANewVolumeFromIt() {
    startRuntime();
    runtime.stop(spec());
    eventually().until(() -> lastState(ID) == DesktopState.STOPPED);

    DesktopSnapshot snapshot = new DesktopSnapshot();
    snapshot.getMetadata().setName("before-upgrade");
    snapshot.getMetadata().setNamespace(NS);
    snapshot.setSpec(new DesktopSnapshotSpec());
    snapshot.getSpec().desktopName = NAME;
    snapshot = cluster.create(snapshot);

    eventually()
        .until(
            () ->
                cluster
                        .admin
                        .resources(VolumeSnapshot.class)
                        .inNamespace(NS)
                        .withName("before-upgrade")
                        .get()
                    != null);
    VolumeSnapshot vs =
        cluster
            .admin
            .resources(VolumeSnapshot.class)
            .inNamespace(NS)
            .withName("before-upgrade")
            .get();
    assertThat(vs.getApiVersion()).isEqualTo("snapshot.storage.k8s.io/v1");
    assertThat(vs.getSpec().volumeSnapshotClassName).isEqualTo("longhorn-snap");
    assertThat(vs.getSpec().source.persistentVolumeClaimName).isEqualTo(NAME + "-home");
    assertThat(vs.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("DesktopSnapshot");
    assertThat(vs.getMetadata().getOwnerReferences().get(0).getUid())
        .isEqualTo(snapshot.getMetadata().getUid());
    eventually().until(() -> "Pending".equals(snapshotState("before-upgrade")));

    // The CSI snapshot controller marks it ready.
    vs.setStatus(new VolumeSnapshot.Status());
    vs.getStatus().readyToUse = true;
    vs.getStatus().restoreSize = "20Gi";
    cluster.admin.resources(VolumeSnapshot.class).inNamespace(NS).resource(vs).updateStatus();
    eventually().until(() -> "Ready".equals(snapshotState("before-upgrade")));
    var status =
        cluster
            .admin
            .resources(DesktopSnapshot.class)
            .inNamespace(NS)
            .withName("before-upgrade")
            .get()
            .getStatus();
    assertThat(status.volumeSnapshotName).isEqualTo("before-upgrade");
    assertThat(status.restoreSize).isEqualTo("20Gi");

    // Restore: a Desktop whose home is restored from the snapshot gets a new volume from it.
    String restoredId = "7a1b2c3d-0000-4000-8000-000000000001";
    Desktop restored =
        new DesktopResources(MockCluster.settings())
            .desktop(
                spec(restoredId, "node-a", "gvisor", "opencdi/desktop-xfce:0.1"),
                Power.OFF,
                "amd64");
    restored.getSpec().home.restoreFrom = "before-upgrade";
    cluster.create(restored);
    String restoredName = "desktop-" + restoredId;
    eventually().until(() -> claim(restoredName + "-home") != null);
    var dataSource = claim(restoredName + "-home").getSpec().getDataSource();
    assertThat(dataSource.getApiGroup()).isEqualTo("snapshot.storage.k8s.io");
    assertThat(dataSource.getKind()).isEqualTo("VolumeSnapshot");
    assertThat(dataSource.getName()).isEqualTo("before-upgrade");
    assertThat(claim(restoredName + "-home").getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("20Gi"));
    eventually().until(() -> lastState(restoredId) == DesktopState.STOPPED);
    // The original volume is untouched.
    assertThat(claim(NAME + "-home").getSpec().getDataSource()).isNull();
  }

  @Test
  void theGatewaysSnapshotCommandsMakeAndRemoveDesktopSnapshotsAndRestoreFromThem() {
    startRuntime();
    List<SnapshotStatus> snaps = new CopyOnWriteArrayList<>();
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void snapshotChanged(SnapshotStatus status) {
            snaps.add(status);
          }
        });
    String snapshotId = "5e0c1d2a-1111-4000-8000-00000000000a";
    SnapshotSpec snap = new SnapshotSpec(snapshotId, "before upgrade", ID, CLUSTER);
    // Nothing to copy yet: refused, nothing made.
    assertThat(runtime.snapshot(snap).reason())
        .isEqualTo("cluster " + CLUSTER + " has no desktop " + ID);
    assertThat(runtime.snapshot(new SnapshotSpec(snapshotId, "x", ID, "elsewhere")).accepted())
        .isFalse();
    assertThat(runtime.snapshot(new SnapshotSpec("Bad_Id", "x", ID, CLUSTER)).accepted()).isFalse();

    runtime.stop(spec());
    eventually().until(() -> lastState(ID) == DesktopState.STOPPED);
    assertThat(runtime.snapshot(snap).accepted()).isTrue();
    String name = "snapshot-" + snapshotId;
    eventually().until(() -> volumeSnapshot(name) != null);
    DesktopSnapshot made =
        cluster.admin.resources(DesktopSnapshot.class).inNamespace(NS).withName(name).get();
    assertThat(made.getSpec().desktopName).isEqualTo(NAME);
    assertThat(made.getMetadata().getOwnerReferences()).isEmpty(); // outlives its desktop
    assertThat(made.getMetadata().getAnnotations())
        .containsEntry("opencdi.io/snapshot-id", snapshotId)
        .containsEntry("opencdi.io/desktop-id", ID)
        .containsEntry("opencdi.io/display-name", "before upgrade");
    assertThat(made.getMetadata().getLabels()).containsEntry("opencdi.io/desktop", NAME);
    VolumeSnapshot vs = volumeSnapshot(name);
    assertThat(vs.getSpec().source.persistentVolumeClaimName).isEqualTo(NAME + "-home");
    assertThat(vs.getSpec().volumeSnapshotClassName).isEqualTo("longhorn-snap");
    eventually().until(() -> lastSnapshotState(snaps) == SnapshotState.PENDING);

    // A restore names a snapshot the cluster must have.
    String restoredId = "7a1b2c3d-0000-4000-8000-000000000002";
    DesktopSpec unknownSource =
        withRestore(spec(restoredId, "node-a", "gvisor", "opencdi/desktop-xfce:0.1"), "nope");
    assertThat(runtime.start(unknownSource).reason())
        .isEqualTo("cluster " + CLUSTER + " has no snapshot nope");

    vs.setStatus(new VolumeSnapshot.Status());
    vs.getStatus().readyToUse = true;
    vs.getStatus().restoreSize = "20Gi";
    cluster.admin.resources(VolumeSnapshot.class).inNamespace(NS).resource(vs).updateStatus();
    eventually().until(() -> lastSnapshotState(snaps) == SnapshotState.READY);
    SnapshotStatus ready = snaps.get(snaps.size() - 1);
    assertThat(ready.snapshotId()).isEqualTo(snapshotId);
    assertThat(ready.desktopId()).isEqualTo(ID);
    assertThat(ready.cluster()).isEqualTo(CLUSTER);
    assertThat(ready.sizeBytes()).isEqualTo(20L << 30);
    // A repeated command re-reports, and makes nothing twice.
    int before = snaps.size();
    assertThat(runtime.snapshot(snap).accepted()).isTrue();
    assertThat(snaps).hasSize(before + 1);
    assertThat(snaps.get(before).state()).isEqualTo(SnapshotState.READY);

    // Restore: a new desktop whose first volume comes from the snapshot.
    DesktopSpec restored =
        withRestore(spec(restoredId, "node-a", "gvisor", "opencdi/desktop-xfce:0.1"), snapshotId);
    assertThat(runtime.start(restored).accepted()).isTrue();
    String restoredName = "desktop-" + restoredId;
    eventually().until(() -> claim(restoredName + "-home") != null);
    var dataSource = claim(restoredName + "-home").getSpec().getDataSource();
    assertThat(dataSource.getKind()).isEqualTo("VolumeSnapshot");
    assertThat(dataSource.getApiGroup()).isEqualTo("snapshot.storage.k8s.io");
    assertThat(dataSource.getName()).isEqualTo(name);
    assertThat(desktop(restoredName).getSpec().home.restoreFrom).isEqualTo(name);

    // Delete: the DesktopSnapshot goes (its VolumeSnapshot with it, by owner reference).
    assertThat(runtime.deleteSnapshot(CLUSTER, snapshotId).accepted()).isTrue();
    eventually()
        .until(
            () ->
                cluster.admin.resources(DesktopSnapshot.class).inNamespace(NS).withName(name).get()
                    == null);
    eventually().until(() -> lastSnapshotState(snaps) == SnapshotState.DELETED);
    // Deleting it again is no error and re-reports it gone.
    assertThat(runtime.deleteSnapshot(CLUSTER, snapshotId).accepted()).isTrue();
    assertThat(snaps.get(snaps.size() - 1).state()).isEqualTo(SnapshotState.DELETED);
    // The desktops are untouched.
    assertThat(claim(NAME + "-home")).isNotNull();
  }

  static DesktopSpec withRestore(DesktopSpec s, String snapshotId) {
    return new DesktopSpec(
        s.id(),
        s.name(),
        s.owner(),
        s.cluster(),
        s.node(),
        s.image(),
        s.cpuMillis(),
        s.memoryMiB(),
        s.runtimeClass(),
        s.storageClass(),
        s.homeVolumeGiB(),
        s.power(),
        snapshotId);
  }

  VolumeSnapshot volumeSnapshot(String name) {
    return cluster.admin.resources(VolumeSnapshot.class).inNamespace(NS).withName(name).get();
  }

  static SnapshotState lastSnapshotState(List<SnapshotStatus> snaps) {
    return snaps.isEmpty() ? null : snaps.get(snaps.size() - 1).state();
  }

  String snapshotState(String name) {
    var s = cluster.admin.resources(DesktopSnapshot.class).inNamespace(NS).withName(name).get();
    return s == null || s.getStatus() == null ? null : s.getStatus().state;
  }

  @Test
  void theRuntimeSeesChangesAfterTheApiServerDroppedItsWatches() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    eventually().until(() -> lastState(ID) == DesktopState.STARTING);

    cluster.restart();

    // Only a watch that was re-established can see this.
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    cluster.node("node-c", "amd64", "4", "8Gi", 110);
    eventually()
        .until(
            () ->
                runtime.clusters().get(0).nodeGroups().stream()
                    .anyMatch(g -> g.name().equals("node-c")));
    long watches =
        cluster.agentRequests().stream()
            .filter(r -> r.contains("/pods?") && r.contains("watch=true"))
            .count();
    assertThat(watches).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aNewAgentFindsEveryDesktopAndItsStateInTheCluster() {
    startRuntime();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    eventually().until(() -> "RUNNING".equals(desktop(NAME).getStatus().state));
    runtime.close();

    // An agent restart: the inventory for its Hello comes from the Desktops, not from memory.
    runtime = cluster.runtime();
    assertThat(runtime.inventory())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.desktopId()).isEqualTo(ID);
              assertThat(s.state()).isEqualTo(DesktopState.RUNNING);
              assertThat(s.node()).isEqualTo("node-a");
            });
    statuses.clear();
    listen();
    runtime.stop(spec());
    eventually().until(() -> lastState(ID) == DesktopState.STOPPED);
    assertThat(pod(NAME)).isNull();
  }

  @Test
  void everyPermissionTheRbacGrantsIsUsed() {
    // One lifecycle that touches every API the runtime declares; tearDown checks the converse.
    theGatewaysSnapshotCommandsMakeAndRemoveDesktopSnapshotsAndRestoreFromThem();
    runtime.start(spec());
    eventually().until(() -> pod(NAME) != null);
    kubeletRuns(NAME, "node-a");
    eventually().until(() -> lastState(ID) == DesktopState.RUNNING);
    runtime.watermark(CLUSTER, ID, "alice at {time}");
    runtime.live(new io.opencdi.protocol.LiveQuery("q", CLUSTER, List.of(ID), true));
    runtime.delete(CLUSTER, ID);
    eventually().until(() -> lastState(ID) == DesktopState.DELETED);
    assertThat(new HashSet<>(cluster.permissionsUsed()))
        .isEqualTo(new HashSet<>(ApiPermissions.REQUIRED));
  }
}
