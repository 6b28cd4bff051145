package io.opencdi.gateway.kubernetes;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Subscription;
import io.opencdi.testing.kubernetes.MemberCluster;
import io.opencdi.testing.kubernetes.NodeSpec;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway places and runs desktops on a cluster served by the agent's kubernetes runtime
 * exactly as on the simulated fleet: the real gateway, a real agent process, and a member cluster's
 * API server (fabric8's mock in CRUD mode) where the test plays the scheduler and the kubelet.
 * Everything the user does goes through the GraphQL API. Each test has a cluster (API server and
 * agent) of its own, so none depends on what another left behind.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class KubernetesClusterTest {
  private static final AtomicInteger clusterS = new AtomicInteger();
  // A region no other test's fleet uses: the desktops below prefer it.
  private static final String REGION = "eu-central";
  private static final String IMAGE = "opencdi/desktop-xfce:0.1";
  // The agent's default namespace for desktops.
  private static final String NS = "opencdi-desktops";
  // The cluster's own load: a system Pod on kn-a.
  private static final long SYSTEM_CPU = 500;
  private static final long SYSTEM_MEMORY = 512;
  // gVisor's sandbox overhead per Pod (RuntimeClass overhead.podFixed).
  private static final long GVISOR_CPU = 250;

  @TestHTTPResource("/")
  URL base;

  private MemberCluster k8s;
  private AgentProcess agent;
  private String admin;
  private String alice;
  private String cluster;

  @BeforeEach
  void startCluster() {
    int n = clusterS.incrementAndGet();
    cluster = "k8s-gw-" + n;
    k8s = new MemberCluster(NS);
    k8s.node(NodeSpec.of("kn-a", "16", "64Gi", 110).in(REGION, REGION + "-1a"));
    k8s.node(NodeSpec.of("kn-b", "8", "32Gi", 110).in(REGION, REGION + "-1a"));
    // Cordoned for maintenance: none of its room is offered.
    k8s.node(NodeSpec.of("kn-c", "64", "256Gi", 110).in(REGION, REGION + "-1b").cordoned(true));
    k8s.runtimeClass("gvisor", "runsc", GVISOR_CPU + "m", "128Mi");
    k8s.storageClass("longhorn");
    k8s.systemPod("node-agent-kn-a", "kn-a", SYSTEM_CPU + "m", SYSTEM_MEMORY + "Mi");
    agent =
        AgentProcess.start(
            base.getPort(),
            PostgresResource.AGENT_TOKEN,
            "# unused: the kubernetes runtime reads its cluster from the API server\n",
            "k8s-agent-" + n,
            agentSettings(cluster));
    admin = login("admin");
    alice = login("alice");
    agent.awaitReady(admin, cluster);
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (k8s != null) {
      k8s.close();
    }
  }

  /**
   * Settings that point an agent with the kubernetes runtime at the test's API server, through
   * fabric8's own system properties as an operator would (no kubeconfig, no service account).
   */
  private Map<String, String> agentSettings(String clusterName) {
    Map<String, String> settings = new java.util.HashMap<>(k8s.clientProperties());
    settings.putAll(
        Map.of(
            "opencdi.agent.runtime",
            "kubernetes",
            "opencdi.agent.kubernetes.cluster-name",
            clusterName,
            "opencdi.agent.kubernetes.namespace",
            NS));
    return settings;
  }

  static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  @Test
  void theClusterShowsTheCapacityOfItsSchedulableNodes() {
    JsonPath clusters = run(admin, "clusters", "Clusters");
    String c = "data.clusters.find { it.name == '" + cluster + "' }";
    assertThat(clusters.getString(c + ".runtime")).isEqualTo("kubernetes");
    assertThat(clusters.getString(c + ".region")).isEqualTo(REGION);
    assertThat(clusters.getString(c + ".zone")).isEqualTo(REGION + "-1a");
    assertThat(clusters.getList(c + ".architectures")).containsExactly("amd64");
    assertThat(clusters.getList(c + ".runtimeClasses")).containsExactly("runc", "gvisor");
    assertThat(clusters.getList(c + ".storageClasses")).containsExactly("longhorn");
    // kn-a and kn-b: 16 + 8 CPUs, 64 + 32 GiB, 110 + 110 Pods less the system Pod; kn-c is
    // cordoned. The system Pod's requests are the cluster's own load.
    String capacity = c + ".capacity";
    assertThat(clusters.getLong(capacity + ".allocatableCpuMillis")).isEqualTo(24_000);
    assertThat(clusters.getLong(capacity + ".allocatedCpuMillis")).isEqualTo(SYSTEM_CPU);
    assertThat(clusters.getLong(capacity + ".allocatableMemoryMiB")).isEqualTo(98_304);
    assertThat(clusters.getLong(capacity + ".allocatedMemoryMiB")).isEqualTo(SYSTEM_MEMORY);
    assertThat(clusters.getInt(capacity + ".allocatableDesktops")).isEqualTo(219);
    assertThat(clusters.getInt(capacity + ".allocatedDesktops")).isZero();
    assertThat(clusters.getLong(capacity + ".largestFreeCpuMillis")).isEqualTo(16_000 - SYSTEM_CPU);

    JsonPath detail = run(admin, "clusters", "Cluster", "id", clusters.getString(c + ".id"));
    assertThat(detail.getList("data.cluster.nodeGroups.name")).containsExactly("kn-a", "kn-b");
  }

  @Test
  void aDesktopIsPlacedRunsPowersOffKeepingItsVolumeAndIsDeleted() throws Exception {
    try (Subscription events =
        Subscription.open(base.getPort(), alice, "desktops", "DesktopEvents", Map.of())) {
      JsonPath created = create();
      String id = created.getString("data.createDesktop.id");
      assertThat(id).as(created.prettify()).isNotNull();
      assertThat(created.getString("data.createDesktop.cluster.name")).isEqualTo(cluster);
      assertThat(created.getString("data.createDesktop.placementSummary")).contains(cluster);
      String node = created.getString("data.createDesktop.nodeGroup");
      assertThat(node).isIn("kn-a", "kn-b");

      // The agent turned the gateway's START into a Desktop resource, and that into a Pod.
      String name = "desktop-" + id;
      eventually().until(() -> k8s.desktop(name) != null && k8s.pod(name) != null);
      @SuppressWarnings("unchecked")
      Map<String, Object> spec =
          (Map<String, Object>) k8s.desktop(name).getAdditionalProperties().get("spec");
      assertThat(spec)
          .containsEntry("desktopId", id)
          .containsEntry("owner", created.getString("data.createDesktop.owner.id"))
          .containsEntry("node", node)
          .containsEntry("image", IMAGE)
          .containsEntry("runtimeClassName", "gvisor")
          .containsEntry("power", "On");
      assertThat(((Number) spec.get("cpuMillis")).longValue()).isEqualTo(2000);
      assertThat(k8s.pod(name).getSpec().getRuntimeClassName()).isEqualTo("gvisor");
      String claimUid = k8s.claim(name + "-home").getMetadata().getUid();

      k8s.schedule(name, node);
      k8s.kubeletRuns(name);
      eventually().untilAsserted(() -> assertThat(states(events, id)).contains("RUNNING"));
      assertThat(states(events, id))
          .containsSubsequence("PENDING", "SCHEDULED", "STARTING", "RUNNING");
      // The gateway's reservation plus gVisor's overhead, which the cluster reports.
      eventually().until(() -> allocatedCpu() == SYSTEM_CPU + 2000 + GVISOR_CPU);
      assertThat(allocatedDesktops()).isEqualTo(1);

      JsonPath stopped = run(alice, "desktops", "StopDesktop", "id", id);
      assertThat(stopped.getString("data.stopDesktop.power")).isEqualTo("OFF");
      eventually().until(() -> "STOPPED".equals(Desktops.state(alice, id)));
      assertThat(k8s.pod(name)).isNull();
      assertThat(k8s.claim(name + "-home").getMetadata().getUid())
          .as("power off keeps the home volume")
          .isEqualTo(claimUid);
      assertThat(((Map<?, ?>) k8s.desktop(name).getAdditionalProperties().get("spec")).get("power"))
          .isEqualTo("Off");
      assertThat(states(events, id)).containsSubsequence("RUNNING", "STOPPING", "STOPPED");
      eventually().until(() -> allocatedCpu() == SYSTEM_CPU);

      run(alice, "desktops", "DeleteDesktop", "id", id);
      eventually().until(() -> "DELETED".equals(Desktops.state(alice, id)));
      eventually().until(() -> k8s.desktop(name) == null);
      assertThat(k8s.claim(name + "-home")).as("deleting is what deletes user data").isNull();
    }
  }

  @Test
  void aPodWhoseImageCannotBePulledFailsTheDesktopAndReleasesItsReservation() {
    long before = allocatedCpu();
    int desktopsBefore = allocatedDesktops();
    String id = create().getString("data.createDesktop.id");
    String name = "desktop-" + id;
    eventually().until(() -> k8s.pod(name) != null);
    eventually().until(() -> allocatedCpu() == before + 2000);
    k8s.schedule(name, node(id));
    k8s.kubeletCannotPull(name, IMAGE);

    eventually().until(() -> "FAILED".equals(Desktops.state(alice, id)));
    assertThat(reason(id))
        .isEqualTo(
            "image pull failed: "
                + IMAGE
                + ": ImagePullBackOff: Back-off pulling image \""
                + IMAGE
                + "\"");
    eventually().until(() -> allocatedCpu() == before);
    assertThat(allocatedDesktops()).isEqualTo(desktopsBefore);
    // The Pod would hold the node's room that the gateway just gave back; the volume stays.
    eventually().until(() -> k8s.pod(name) == null);
    assertThat(k8s.claim(name + "-home")).isNotNull();
    delete(id);
  }

  @Test
  void aNodeWithoutTheSandboxRuntimeFailsTheDesktopWithTheKubeletsReason() {
    long before = allocatedCpu();
    String id = create().getString("data.createDesktop.id");
    String name = "desktop-" + id;
    eventually().until(() -> k8s.pod(name) != null);
    String node = node(id);
    k8s.schedule(name, node);
    // The Pod stays Pending and ContainerCreating: only its events say why.
    String message =
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox"
            + " runtime: no runtime for \"runsc\" is configured";
    k8s.kubeletWarns(name, "FailedCreatePodSandBox", message);

    eventually().until(() -> "FAILED".equals(Desktops.state(alice, id)));
    assertThat(reason(id))
        .isEqualTo("runtime class gvisor is not installed on node " + node + ": " + message);
    eventually().until(() -> allocatedCpu() == before);
    eventually().until(() -> k8s.pod(name) == null);
    delete(id);
  }

  private JsonPath create() {
    return run(
        alice,
        "desktops",
        "CreateDesktop",
        "input",
        Map.of("templateId", templateId("xfce-gvisor"), "region", REGION));
  }

  private void delete(String id) {
    run(alice, "desktops", "DeleteDesktop", "id", id);
    eventually().until(() -> "DELETED".equals(Desktops.state(alice, id)));
    eventually().until(() -> k8s.desktop("desktop-" + id) == null);
  }

  private String templateId(String name) {
    return run(admin, "templates", "Templates")
        .getString("data.templates.find { it.name == '" + name + "' }.id");
  }

  private String reason(String id) {
    return run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.statusReason");
  }

  private String node(String id) {
    return run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.nodeGroup");
  }

  private long allocatedCpu() {
    return run(admin, "clusters", "Clusters")
        .getLong("data.clusters.find { it.name == '" + cluster + "' }.capacity.allocatedCpuMillis");
  }

  private int allocatedDesktops() {
    return run(admin, "clusters", "Clusters")
        .getInt("data.clusters.find { it.name == '" + cluster + "' }.capacity.allocatedDesktops");
  }

  private static List<String> states(Subscription s, String id) {
    return s.events().stream()
        .map(e -> e.getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("desktopEvents") != null)
        .map(d -> d.getJsonObject("desktopEvents").getJsonObject("desktop"))
        .filter(d -> id.equals(d.getString("id")))
        .map(d -> d.getString("state"))
        .toList();
  }
}
