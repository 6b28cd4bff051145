package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link MockCluster} (two nodes, longhorn, gVisor) before the agent application, and
 * points the agent's fabric8 client at it through fabric8's own system properties — the same way an
 * operator points an agent at a cluster.
 */
public class MockClusterResource implements QuarkusTestResourceLifecycleManager {
  private static volatile MockCluster cluster;

  @Override
  public Map<String, String> start() {
    cluster = new MockCluster();
    cluster.node("node-a", "amd64", "16", "64Gi", 110);
    cluster.storageClass("longhorn");
    cluster.runtimeClass("gvisor", "250m", "128Mi");
    System.setProperty("kubernetes.master", cluster.admin.getMasterUrl().toString());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    return Map.of(
        "opencdi.agent.runtime", "kubernetes",
        "opencdi.agent.kubernetes.cluster-name", MockCluster.CLUSTER,
        "opencdi.agent.kubernetes.namespace", MockCluster.NS);
  }

  @Override
  public void stop() {
    System.clearProperty("kubernetes.master");
    System.clearProperty("kubernetes.auth.tryKubeConfig");
    System.clearProperty("kubernetes.auth.tryServiceAccount");
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The test's own client to the mock cluster. */
  public static KubernetesClient admin() {
    return cluster.admin;
  }

  /** Plays scheduler and kubelet: the Pod runs on {@code node} and is Ready. */
  public static void runPod(String name, String node) {
    var pods = cluster.admin.pods().inNamespace(MockCluster.NS);
    pods.withName(name)
        .edit(
            p -> {
              p.getSpec().setNodeName(node);
              return p;
            });
    var pod = pods.withName(name).get();
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .build());
    pods.resource(pod).updateStatus();
  }
}
