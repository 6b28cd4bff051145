package io.opencdi.agent.link;

import static io.opencdi.protocol.DesktopState.FAILED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.agent.runtime.kubernetes.MockClusterResource;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Power;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole agent with {@code opencdi.agent.runtime=kubernetes} against the mock API server and the
 * stand-in gateway: it speaks the same protocol as with the simulated fleet.
 */
@QuarkusTest
@TestProfile(KubernetesAgentTest.Kubernetes.class)
class KubernetesAgentTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The kubernetes runtime against {@link MockClusterResource}. */
  public static class Kubernetes implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(MockClusterResource.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("opencdi.agent.runtime", "kubernetes");
    }
  }

  @Inject TestGatewayPeer gateway;

  @Test
  void theAgentReportsTheClusterAndRunsDesktopsThroughTheProtocol() {
    await().atMost(WAIT).until(() -> !gateway.frames(Hello.class).isEmpty());
    Hello hello = gateway.frames(Hello.class).get(0);
    assertThat(hello.runtime()).isEqualTo("kubernetes");
    assertThat(hello.clusters())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.name()).isEqualTo("k8s-1");
              assertThat(c.region()).isEqualTo("eu-west");
              assertThat(c.runtimeClasses()).containsExactly("runc", "gvisor");
              assertThat(c.nodeGroups()).extracting(g -> g.name()).containsExactly("node-a");
            });
    // The Welcome wants desktops on a cluster this agent does not serve: reported FAILED.
    await().atMost(WAIT).until(() -> gateway.states("w1").contains(FAILED));

    gateway.send(
        new Command(
            "k-1", CommandKind.START, TestGatewayPeer.spec("k1", "k8s-1", "node-a", Power.ON)));
    await().atMost(WAIT).until(() -> gateway.indexOfAck("k-1") >= 0);
    assertThat(gateway.frames(CommandAck.class))
        .filteredOn(a -> a.commandId().equals("k-1"))
        .singleElement()
        .satisfies(a -> assertThat(a.accepted()).isTrue());
    await().atMost(WAIT).until(() -> gateway.states("k1").contains(STARTING));
    await()
        .atMost(WAIT)
        .until(
            () ->
                MockClusterResource.admin()
                        .pods()
                        .inNamespace("opencdi-desktops")
                        .withName("desktop-k1")
                        .get()
                    != null);
    MockClusterResource.runPod("desktop-k1", "node-a");
    await().atMost(WAIT).until(() -> gateway.states("k1").contains(RUNNING));
    DesktopStatus running =
        gateway.frames(DesktopStatus.class).stream()
            .filter(s -> s.desktopId().equals("k1") && s.state() == RUNNING)
            .findFirst()
            .orElseThrow();
    assertThat(running.cluster()).isEqualTo("k8s-1");
    assertThat(running.node()).isEqualTo("node-a");
    assertThat(gateway.indexOfAck("k-1")).isLessThan(gateway.indexOfFirstStatus("k1"));
  }
}
