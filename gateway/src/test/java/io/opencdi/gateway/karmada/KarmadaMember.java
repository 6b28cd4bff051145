package io.opencdi.gateway.karmada;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.opencdi.testing.kubernetes.MemberCluster;
import io.opencdi.testing.kubernetes.NodeSpec;
import java.time.Duration;
import java.util.Map;

/**
 * A member cluster behind Karmada for tests: its own API server (fabric8's mock), one node, and
 * what Karmada and the member's controllers do with a desktop the gateway wrote to Karmada —
 * propagation to the member, the scheduler, the kubelet, a Service address on this host, and
 * Karmada's reflection of the member's status. The member's agent is a real process the test starts
 * with {@link #agentSettings}.
 */
final class KarmadaMember implements AutoCloseable {
  static final String NODE = "member-node-1";
  private static final String NS = KarmadaMock.NS;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final KarmadaMock karmada;
  private final String cluster;
  private final MemberCluster k8s = new MemberCluster(NS);

  KarmadaMember(KarmadaMock karmada, String cluster, String region) {
    this.karmada = karmada;
    this.cluster = cluster;
    k8s.node(NodeSpec.of(NODE, "16", "64Gi", 110).in(region, region + "-1a"));
    k8s.storageClass("longhorn");
  }

  MemberCluster api() {
    return k8s;
  }

  /**
   * Settings of the member's tunnel-only agent with the kubernetes runtime, joining with {@code
   * joinToken}, whose desktops' displays are on {@code displayPort} of this host.
   */
  Map<String, String> agentSettings(String joinToken, int displayPort) {
    Map<String, String> settings = new java.util.HashMap<>(k8s.clientProperties());
    settings.putAll(
        Map.of(
            "opencdi.agent.runtime",
            "kubernetes",
            "opencdi.agent.tunnel-only",
            "true",
            "opencdi.agent.join-tokens",
            joinToken,
            "opencdi.agent.kubernetes.cluster-name",
            cluster,
            "opencdi.agent.kubernetes.namespace",
            NS,
            "opencdi.agent.kubernetes.display-port",
            Integer.toString(displayPort)));
    return settings;
  }

  /**
   * Runs the desktop the gateway wrote to Karmada as {@code name}: Karmada propagates it, the
   * member's agent makes its Pod and Service, the Pod runs, and Karmada reflects RUNNING.
   */
  void run(String name) {
    GenericKubernetesResource written = karmada.desktop(name).get();
    assertThat(written).as("the Desktop on Karmada").isNotNull();
    GenericKubernetesResource copy = new GenericKubernetesResource();
    copy.setApiVersion(written.getApiVersion());
    copy.setKind(written.getKind());
    copy.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withLabels(written.getMetadata().getLabels())
            .withAnnotations(written.getMetadata().getAnnotations())
            .build());
    copy.setAdditionalProperty("spec", written.getAdditionalProperties().get("spec"));
    k8s.create(copy);
    await().atMost(WAIT).until(() -> k8s.pod(name) != null && service(name) != null);
    k8s.schedule(name, NODE);
    k8s.kubeletRuns(name);
    // The Service's address: the display is on this host.
    Service service = service(name);
    service.getSpec().setClusterIP("127.0.0.1");
    k8s.admin().services().inNamespace(NS).resource(service).update();
    await().atMost(WAIT).until(() -> "RUNNING".equals(state(name)));
    karmada.desktopStatus(name, "RUNNING", NODE, null);
  }

  private Service service(String name) {
    return k8s.admin().services().inNamespace(NS).withName(name).get();
  }

  @SuppressWarnings("unchecked")
  private String state(String name) {
    GenericKubernetesResource d = k8s.desktop(name);
    Object status = d == null ? null : d.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (String) ((Map<String, Object>) m).get("state") : null;
  }

  @Override
  public void close() {
    k8s.close();
  }
}
