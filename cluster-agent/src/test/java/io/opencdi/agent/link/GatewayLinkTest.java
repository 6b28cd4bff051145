package io.opencdi.agent.link;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.ProtocolVersion;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.CloseReason;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent as a whole (simulated runtime with the bundled fleet) against a stand-in gateway served
 * by the test application. The tests run in order: they follow one agent's life.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayLinkTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Inject TestGatewayPeer gateway;
  @Inject io.opencdi.agent.runtime.DesktopRuntime runtime;
  @Inject @Readiness LinkReadinessCheck readiness;

  @BeforeEach
  void awaitWelcome() {
    await().atMost(WAIT).until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.UP);
  }

  @Test
  @Order(1)
  void helloCarriesTheTokenTheFleetAndTheInventory() {
    Hello hello = gateway.frames(Hello.class).get(0);

    assertThat(gateway.authorizations.get(0)).isEqualTo("Bearer test-agent-token");
    assertThat(gateway.frames.get(0)).isInstanceOf(Hello.class);
    assertThat(hello.protocolVersion()).isEqualTo(ProtocolVersion.CURRENT);
    assertThat(hello.agentId()).isEqualTo("agent-under-test");
    assertThat(hello.runtime()).isEqualTo("simulated");
    assertThat(hello.clusters()).extracting(c -> c.name()).contains("bj-1", "sh-2", "fra-1");
    assertThat(hello.clusters().get(0).nodeGroups().get(0).name()).isEqualTo("bj-1-node-001");
    assertThat(hello.inventory()).isEmpty(); // a fresh simulated runtime has nothing
  }

  @Test
  @Order(2)
  void welcomeStartsWhatShouldRunAndReportsEveryCluster() {
    await().atMost(WAIT).until(() -> gateway.states("w1").contains(RUNNING));
    await().atMost(WAIT).until(() -> gateway.states("w2").contains(STOPPED));

    assertThat(gateway.states("w1")).containsExactly(STARTING, RUNNING);
    int clusters = gateway.frames(Hello.class).get(0).clusters().size();
    await()
        .atMost(WAIT)
        .until(
            () ->
                gateway.frames(CapacityUpdate.class).stream()
                        .map(u -> u.cluster().name())
                        .distinct()
                        .count()
                    == clusters);
    assertThat(gateway.frames(CapacityUpdate.class)).allMatch(CapacityUpdate::ready);
  }

  @Test
  @Order(3)
  void commandIsAcknowledgedBeforeItsStatuses() {
    // A frame type from a newer gateway is ignored, not fatal (the next test checks the link).
    gateway.sendText("{\"type\":\"from-the-future\",\"x\":1}");
    gateway.send(
        new Command(
            "c-1",
            CommandKind.START,
            TestGatewayPeer.spec("d1", "bj-1", "bj-1-node-003", Power.ON)));
    gateway.send(
        new Command(
            "c-2",
            CommandKind.START,
            TestGatewayPeer.spec("d2", "nowhere", "nowhere-node-001", Power.ON)));

    await().atMost(WAIT).until(() -> gateway.states("d1").contains(RUNNING));
    assertThat(gateway.states("d1")).containsExactly(STARTING, RUNNING);
    assertThat(gateway.indexOfAck("c-1")).isBetween(0, gateway.indexOfFirstStatus("d1"));
    assertThat(ack("c-1").accepted()).isTrue();
    await().atMost(WAIT).until(() -> gateway.indexOfAck("c-2") >= 0);
    assertThat(ack("c-2").accepted()).isFalse();
    assertThat(ack("c-2").error()).startsWith("unknown cluster nowhere");
    assertThat(gateway.states("d2")).isEmpty();

    // Idempotent: a repeated START is acknowledged and re-reports RUNNING.
    gateway.send(
        new Command(
            "c-3",
            CommandKind.START,
            TestGatewayPeer.spec("d1", "bj-1", "bj-1-node-003", Power.ON)));
    await().atMost(WAIT).until(() -> gateway.states("d1").size() == 3);
    assertThat(ack("c-3").accepted()).isTrue();
    assertThat(gateway.states("d1")).containsExactly(STARTING, RUNNING, RUNNING);

    // d1 took room on bj-1, which changed nothing the cluster reports (its nodes and what other
    // workloads use): the update that would repeat the last one is not sent. Ten capacity
    // intervals leave it time to come if it were.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    java.util.Map<String, CapacityUpdate> last = new java.util.HashMap<>();
    for (CapacityUpdate u : gateway.frames(CapacityUpdate.class)) {
      assertThat(u)
          .as("a repeat of the last report of " + u.cluster().name())
          .isNotEqualTo(last.get(u.cluster().name()));
      last.put(u.cluster().name(), u);
    }
  }

  @Test
  @Order(4)
  void heartbeatsArriveAtTheWelcomedIntervalAndPongsKeepTheLinkUp() {
    int before = gateway.frames(Heartbeat.class).size();
    // The gateway sends no frames now; only the pongs to the agent's pings show it is alive.
    // Four heartbeats outlast the agent's silence limit (three intervals).
    await()
        .atMost(Duration.ofSeconds(8))
        .until(() -> gateway.frames(Heartbeat.class).size() >= before + 4);
    assertThat(gateway.frames(Hello.class)).hasSize(1);
  }

  @Test
  @Order(5)
  void reconnectsWithItsInventoryAndDeletesOnlyWhatTheGatewayDeleted() {
    // While the link is down the gateway deletes w1 and places w3. It does not know w2 at all
    // (as after a restore from an older backup): w2 and its data must stay.
    gateway.desired =
        List.of(
            TestGatewayPeer.spec("d1", "bj-1", "bj-1-node-003", Power.ON),
            TestGatewayPeer.spec("w3", "sh-1", "sh-1-node-001", Power.ON));
    gateway.deleted = List.of("w1");
    gateway.disconnect();

    await().atMost(WAIT).until(() -> gateway.frames(Hello.class).size() == 2);
    Hello again = gateway.frames(Hello.class).get(1);
    assertThat(gateway.authorizations).hasSize(2);
    assertThat(again.inventory())
        .extracting(DesktopStatus::desktopId, DesktopStatus::state)
        .containsExactlyInAnyOrder(
            Tuple.tuple("w1", RUNNING), Tuple.tuple("w2", STOPPED), Tuple.tuple("d1", RUNNING));

    await().atMost(WAIT).until(() -> gateway.states("w1").contains(DELETED));
    await().atMost(WAIT).until(() -> gateway.states("w3").contains(RUNNING));
    await().atMost(WAIT).until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.UP);
    assertThat(gateway.states("w2")).doesNotContain(DELETED);
    assertThat(runtime.inventory())
        .filteredOn(d -> d.desktopId().equals("w2"))
        .extracting(DesktopStatus::state)
        .containsExactly(STOPPED);
  }

  @Test
  @Order(6)
  void aRevokedTokenBacksOffToTheLongestDelay() {
    int hellos = gateway.frames(Hello.class).size();
    long closedAt = System.nanoTime();
    gateway.disconnect(new CloseReason(CloseCodes.UNAUTHORIZED, "token revoked"));

    await().atMost(WAIT).until(() -> gateway.frames(Hello.class).size() == hellos + 1);
    // reconnect.max-delay is 1 s in tests and the jitter draws from its upper half; an ordinary
    // disconnect retries after 50-100 ms.
    assertThat(Duration.ofNanos(System.nanoTime() - closedAt))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
  }

  private CommandAck ack(String commandId) {
    return gateway.frames(CommandAck.class).stream()
        .filter(a -> a.commandId().equals(commandId))
        .findFirst()
        .orElseThrow();
  }
}
