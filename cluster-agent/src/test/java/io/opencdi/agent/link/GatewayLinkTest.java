package io.opencdi.agent.link;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.agent.link.TestGatewayPeer.Connection;
import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.ProtocolVersion;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.CloseReason;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.groups.Tuple;
import org.awaitility.core.ConditionFactory;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent as a whole (simulated runtime with the bundled fleet) against a stand-in gateway served
 * by the test application: the agent dials in with its token, says Hello with its fleet and what it
 * runs, is welcomed, starts what the gateway wants, answers commands, keeps the link alive with
 * heartbeats and comes back after the gateway dropped it. Each test has a connection of its own
 * (the gateway drops the previous one and welcomes the agent anew) and desktops of its own, so none
 * depends on what another left behind.
 */
@QuarkusTest
class GatewayLinkTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Inject TestGatewayPeer gateway;
  @Inject io.opencdi.agent.runtime.DesktopRuntime runtime;
  @Inject @Readiness LinkReadinessCheck readiness;
  @Inject GatewayLink link;

  /** Makes this test's desktop names its own. */
  private final String n = UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void awaitWelcome() {
    if (gateway.holdWelcome) {
      gateway.releaseWelcome(); // a test that held it failed before letting it go
    }
    soon().until(() -> !gateway.connections.isEmpty() && settled(gateway.connections.getLast()));
    // Until a test says otherwise, the gateway asks for nothing and has deleted nothing.
    gateway.desired = List.of();
    gateway.deleted = List.of();
  }

  @Test
  void helloCarriesTheTokenTheFleetAndTheInventory() {
    emptyAgent();
    Connection link = welcomedWith(List.of(), List.of());
    Hello hello = link.frames(Hello.class).get(0);

    assertThat(link.authorization).isEqualTo("Bearer test-agent-token");
    assertThat(link.frames.get(0)).isInstanceOf(Hello.class);
    assertThat(hello.protocolVersion()).isEqualTo(ProtocolVersion.CURRENT);
    assertThat(hello.agentId()).isEqualTo("agent-under-test");
    assertThat(hello.runtime()).isEqualTo("simulated");
    assertThat(hello.clusters()).extracting(c -> c.name()).contains("bj-1", "sh-2", "fra-1");
    assertThat(hello.clusters().get(0).nodeGroups().get(0).name()).isEqualTo("bj-1-node-001");
    assertThat(hello.inventory()).isEmpty(); // an agent that runs nothing reports nothing
  }

  @Test
  void welcomeStartsWhatShouldRunAndReportsEveryCluster() {
    String w1 = "w1-" + n;
    String w2 = "w2-" + n;
    Connection link =
        welcomedWith(
            List.of(
                TestGatewayPeer.spec(w1, "bj-1", "bj-1-node-001", Power.ON),
                TestGatewayPeer.spec(w2, "bj-1", "bj-1-node-002", Power.OFF)),
            List.of());

    await().atMost(WAIT).until(() -> link.states(w1).contains(RUNNING));
    await().atMost(WAIT).until(() -> link.states(w2).contains(STOPPED));

    assertThat(link.states(w1)).containsExactly(STARTING, RUNNING);
    int clusters = link.frames(Hello.class).get(0).clusters().size();
    await()
        .atMost(WAIT)
        .until(
            () ->
                link.frames(CapacityUpdate.class).stream()
                        .map(u -> u.cluster().name())
                        .distinct()
                        .count()
                    == clusters);
    assertThat(link.frames(CapacityUpdate.class)).allMatch(CapacityUpdate::ready);
  }

  @Test
  void commandIsAcknowledgedBeforeItsStatuses() {
    String d1 = "d1-" + n;
    String d2 = "d2-" + n;
    Connection link = welcomedWith(List.of(), List.of());
    int connections = gateway.connections.size();
    // A frame type from a newer gateway is ignored, not fatal: the link stays up (checked below).
    gateway.sendText("{\"type\":\"from-the-future\",\"x\":1}");
    gateway.send(
        new Command(
            "c-1-" + n,
            CommandKind.START,
            TestGatewayPeer.spec(d1, "bj-1", "bj-1-node-003", Power.ON)));
    gateway.send(
        new Command(
            "c-2-" + n,
            CommandKind.START,
            TestGatewayPeer.spec(d2, "nowhere", "nowhere-node-001", Power.ON)));

    await().atMost(WAIT).until(() -> link.states(d1).contains(RUNNING));
    assertThat(link.states(d1)).containsExactly(STARTING, RUNNING);
    assertThat(link.indexOfAck("c-1-" + n)).isBetween(0, link.indexOfFirstStatus(d1));
    assertThat(ack(link, "c-1-" + n).accepted()).isTrue();
    await().atMost(WAIT).until(() -> link.indexOfAck("c-2-" + n) >= 0);
    assertThat(ack(link, "c-2-" + n).accepted()).isFalse();
    assertThat(ack(link, "c-2-" + n).error()).startsWith("unknown cluster nowhere");
    assertThat(gateway.states(d2)).isEmpty();

    // Idempotent: a repeated START is acknowledged and re-reports RUNNING.
    gateway.send(
        new Command(
            "c-3-" + n,
            CommandKind.START,
            TestGatewayPeer.spec(d1, "bj-1", "bj-1-node-003", Power.ON)));
    await().atMost(WAIT).until(() -> link.states(d1).size() == 3);
    assertThat(ack(link, "c-3-" + n).accepted()).isTrue();
    assertThat(link.states(d1)).containsExactly(STARTING, RUNNING, RUNNING);

    // d1 took room on bj-1, which changed nothing the cluster reports (its nodes and what other
    // workloads use): the update that would repeat the last one is not sent. Ten capacity
    // intervals leave it time to come if it were.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    Map<String, CapacityUpdate> last = new HashMap<>();
    for (CapacityUpdate u : link.frames(CapacityUpdate.class)) {
      assertThat(u)
          .as("a repeat of the last report of " + u.cluster().name())
          .isNotEqualTo(last.get(u.cluster().name()));
      last.put(u.cluster().name(), u);
    }

    // The unknown frame did not cost the link: no new connection, still one Hello on this one.
    assertThat(gateway.connections).hasSize(connections);
    assertThat(link.frames(Hello.class)).hasSize(1);
    assertThat(welcomed()).isTrue();
  }

  @Test
  void heartbeatsArriveAtTheWelcomedIntervalAndPongsKeepTheLinkUp() {
    Connection link = welcomedWith(List.of(), List.of());
    int connections = gateway.connections.size();
    int before = link.frames(Heartbeat.class).size();
    // The gateway sends no frames now; only the pongs to the agent's pings show it is alive.
    // Four heartbeats outlast the agent's silence limit (three intervals).
    await()
        .atMost(Duration.ofSeconds(8))
        .until(() -> link.frames(Heartbeat.class).size() >= before + 4);
    assertThat(gateway.connections).hasSize(connections);
    assertThat(link.frames(Hello.class)).hasSize(1);
  }

  @Test
  void reconnectsWithItsInventoryAndDeletesOnlyWhatTheGatewayDeleted() {
    String w1 = "w1-" + n;
    String w2 = "w2-" + n;
    String w3 = "w3-" + n;
    String d1 = "d1-" + n;
    emptyAgent();
    // The agent runs w1, keeps w2 off (both from a Welcome) and runs d1 (from a command).
    Connection first =
        welcomedWith(
            List.of(
                TestGatewayPeer.spec(w1, "bj-1", "bj-1-node-001", Power.ON),
                TestGatewayPeer.spec(w2, "bj-1", "bj-1-node-002", Power.OFF)),
            List.of());
    gateway.send(
        new Command(
            "c-1-" + n,
            CommandKind.START,
            TestGatewayPeer.spec(d1, "bj-1", "bj-1-node-003", Power.ON)));
    await().atMost(WAIT).until(() -> first.states(w1).contains(RUNNING));
    await().atMost(WAIT).until(() -> first.states(w2).contains(STOPPED));
    await().atMost(WAIT).until(() -> first.states(d1).contains(RUNNING));

    // While the link is down the gateway deletes w1 and places w3. It does not know w2 at all
    // (as after a restore from an older backup): w2 and its data must stay.
    int connections = gateway.connections.size();
    Connection again =
        welcomedWith(
            List.of(
                TestGatewayPeer.spec(d1, "bj-1", "bj-1-node-003", Power.ON),
                TestGatewayPeer.spec(w3, "sh-1", "sh-1-node-001", Power.ON)),
            List.of(w1));

    assertThat(gateway.connections).hasSize(connections + 1);
    assertThat(again.authorization).isEqualTo("Bearer test-agent-token");
    assertThat(again.frames(Hello.class).get(0).inventory())
        .extracting(DesktopStatus::desktopId, DesktopStatus::state)
        .containsExactlyInAnyOrder(
            Tuple.tuple(w1, RUNNING), Tuple.tuple(w2, STOPPED), Tuple.tuple(d1, RUNNING));

    await().atMost(WAIT).until(() -> again.states(w1).contains(DELETED));
    await().atMost(WAIT).until(() -> again.states(w3).contains(RUNNING));
    await().atMost(WAIT).until(this::welcomed);
    assertThat(gateway.states(w2)).doesNotContain(DELETED);
    assertThat(runtime.inventory())
        .filteredOn(d -> d.desktopId().equals(w2))
        .extracting(DesktopStatus::state)
        .containsExactly(STOPPED);
  }

  @Test
  void printsFinishedWhileTheLinkWasDownAreAnnouncedOnceWelcomedAgain() {
    int connections = gateway.connections.size();
    gateway.holdWelcome = true;
    gateway.disconnect();
    soon().until(() -> helloOn(connections));
    Connection back = gateway.connections.get(connections);

    // The desktop prints while the agent waits for its Welcome: one job fresh, one from long ago.
    long now = System.currentTimeMillis();
    PrintJob fresh = new PrintJob("p-" + n, "bj-1", "report.pdf", 1234, now);
    PrintJob stale =
        new PrintJob(
            "p-" + n,
            "bj-1",
            "yesterday.pdf",
            99,
            now - HeldPrints.MAX_AGE.toMillis() - Duration.ofMinutes(1).toMillis());
    link.printed(stale);
    link.printed(fresh);
    gateway.releaseWelcome();
    soon().until(() -> settled(back));

    await().atMost(WAIT).until(() -> !back.frames(PrintJob.class).isEmpty());
    assertThat(back.frames(PrintJob.class)).containsExactly(fresh);
    assertThat(back.frames.indexOf(fresh))
        .as("announced only after the Welcome")
        .isGreaterThanOrEqualTo(back.welcomedAt);

    // Held jobs are announced once: a later job goes out alone, at once.
    PrintJob next = new PrintJob("p-" + n, "bj-1", "second.pdf", 10, System.currentTimeMillis());
    link.printed(next);
    await().atMost(WAIT).until(() -> back.frames(PrintJob.class).size() == 2);
    assertThat(back.frames(PrintJob.class)).containsExactly(fresh, next);
  }

  @Test
  void aRevokedTokenBacksOffToTheLongestDelay() {
    welcomedWith(List.of(), List.of());
    int connections = gateway.connections.size();
    long closedAt = System.nanoTime();
    gateway.disconnect(new CloseReason(CloseCodes.UNAUTHORIZED, "token revoked"));

    await().atMost(WAIT).until(() -> helloOn(connections));
    // reconnect.max-delay is 1 s in tests and the jitter draws from its upper half; an ordinary
    // disconnect retries after 50-100 ms.
    assertThat(Duration.ofNanos(System.nanoTime() - closedAt))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
  }

  /**
   * The gateway drops the link (as a restarting gateway would) with {@code desired} and {@code
   * deleted} as its Welcome; returns the connection the agent comes back on, once welcomed.
   */
  private Connection welcomedWith(List<DesktopSpec> desired, List<String> deleted) {
    int connections = gateway.connections.size();
    gateway.desired = desired;
    gateway.deleted = deleted;
    gateway.disconnect();
    soon().until(() -> helloOn(connections));
    Connection link = gateway.connections.get(connections);
    soon().until(() -> settled(link));
    return link;
  }

  /** The gateway has deleted every desktop the agent runs: afterwards the agent has none. */
  private void emptyAgent() {
    List<String> all = runtime.inventory().stream().map(DesktopStatus::desktopId).toList();
    if (!all.isEmpty()) {
      welcomedWith(List.of(), all);
      soon().until(() -> runtime.inventory().isEmpty());
    }
  }

  /** Waits for the set-up the helpers make: polled often, so that it costs little. */
  private static ConditionFactory soon() {
    return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
  }

  /** Whether the agent said Hello on its connection number {@code index} (counting from 0). */
  private boolean helloOn(int index) {
    return gateway.connections.size() > index
        && !gateway.connections.get(index).frames(Hello.class).isEmpty();
  }

  /**
   * Whether the agent is welcomed on {@code link} and has acted on the Welcome: it reports every
   * cluster's capacity once it has converged on what the Welcome asked for. (A Hello on a new
   * connection comes after the old one was given up: welcomed is then this one.)
   */
  private boolean settled(Connection link) {
    return welcomed() && !link.frames(CapacityUpdate.class).isEmpty();
  }

  private boolean welcomed() {
    return readiness.call().getStatus() == HealthCheckResponse.Status.UP;
  }

  private static CommandAck ack(Connection link, String commandId) {
    return link.frames(CommandAck.class).stream()
        .filter(a -> a.commandId().equals(commandId))
        .findFirst()
        .orElseThrow();
  }
}
