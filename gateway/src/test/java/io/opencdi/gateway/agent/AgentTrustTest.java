package io.opencdi.gateway.agent;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.opencdi.gateway.testing.RawAgent.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.connect.DisplayCloseCodes;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RawAgent;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.opencdi.gateway.testing.Subscription;
import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.TunnelRefused;
import io.opencdi.protocol.Welcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Agents that do not trust each other: a second agent with a valid token of its own tries to
 * rewrite a desktop of a cluster it does not own, to announce clusters nobody registered, to reuse
 * a join token, to invent capacity and to take another agent's display tunnel. Each attempt is
 * refused, counted, and leaves the desktop, the cluster and its reservations as they were.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AgentTrustTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;
  @Inject AgentBootstrap agents;
  @Inject MeterRegistry meters;
  @Inject Notifications notifications;

  private final String s = UUID.randomUUID().toString().substring(0, 8);

  @Test
  void anotherAgentsStatusAndHelloChangeNoDesktopOfAClusterItDoesNotOwn() throws Exception {
    String home = "trust-home-" + s;
    try (RawAgent owner = ownerOf(home, "trust-" + s)) {
      String alice = login("alice");
      String id = runningDesktop(owner, alice, "trust-" + s);
      String reason = desktop(alice, id).getString("data.desktop.statusReason");
      long usedBefore = usedCpu(home);
      double refusedBefore = refused("status");

      String intruderToken = newAgent("intruder-" + s);
      String intruderHome = "intruder-home-" + s;
      String join = registerCluster(intruderHome);
      try (RawAgent intruder = RawAgent.connect(base.getPort(), intruderToken)) {
        intruder.send(hello(List.of(cluster(intruderHome, "intruder-" + s, 1)), List.of(), join));
        awaitWelcome(intruder);
        // Alice's desktop is FAILED, then STOPPED: it would release its capacity while it runs.
        intruder.send(status(id, intruderHome, DesktopState.FAILED, "taken over"));
        intruder.send(status(id, home, DesktopState.STOPPED, null));
      }
      // And the same in the inventory of its next Hello.
      try (RawAgent again = RawAgent.connect(base.getPort(), intruderToken)) {
        again.send(
            hello(
                List.of(cluster(intruderHome, "intruder-" + s, 1)),
                List.of(status(id, intruderHome, DesktopState.STOPPED, "mine now"))));
        Welcome welcome = awaitWelcome(again);
        assertThat(welcome.desired()).as("the intruder is not told of alice's desktop").isEmpty();
      }

      await().atMost(WAIT).until(() -> refused("status") >= refusedBefore + 3);
      JsonPath after = desktop(alice, id);
      assertThat(after.getString("data.desktop.state")).isEqualTo("RUNNING");
      assertThat(after.getString("data.desktop.statusReason")).isEqualTo(reason);
      Row row =
          one("select state, holds_capacity, status_reason from desktop where id = $1", id(id));
      assertThat(row.getString("state")).isEqualTo("RUNNING");
      assertThat(row.getBoolean("holds_capacity")).isTrue();
      assertThat(usedCpu(home)).as("the desktop's reservation stays").isEqualTo(usedBefore);

      // The owner's own report still applies: the check refuses strangers, not reports.
      owner.send(status(id, home, DesktopState.RUNNING, "owner says hi"));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  "owner says hi"
                      .equals(desktop(alice, id).getString("data.desktop.statusReason")));
    }
  }

  @Test
  void anotherAgentsAcksSnapshotStatusesAndLiveReportsChangeNothing() throws Exception {
    String home = "frames-home-" + s;
    try (RawAgent owner = ownerOf(home, "frames-" + s)) {
      String alice = login("alice");
      String id = runningDesktop(owner, alice, "frames-" + s);
      String intruderToken = newAgent("frames-intruder-" + s);
      String intruderHome = "frames-intruder-home-" + s;
      String join = registerCluster(intruderHome);
      try (RawAgent intruder = RawAgent.connect(base.getPort(), intruderToken)) {
        intruder.send(hello(List.of(cluster(intruderHome, "frames-x-" + s, 1)), List.of(), join));
        awaitWelcome(intruder);
        double acks = refused("ack");
        double snapshots = refused("snapshot");
        double lives = refused("live");

        // Alice snapshots her desktop; the intruder answers the owner's command and reports the
        // snapshot READY (it would then be restorable though nothing was copied).
        JsonPath taken = run(alice, "snapshots", "SnapshotDesktop", "id", id, "name", "f-" + s);
        String snapshotId = taken.getString("data.snapshotDesktop.id");
        assertThat(snapshotId).as(taken.prettify()).isNotNull();
        Command command = awaitCommand(owner, CommandKind.SNAPSHOT);
        intruder.send(new CommandAck(command.commandId(), false, "refused by the intruder"));
        intruder.send(
            new SnapshotStatus(
                snapshotId,
                id,
                home,
                SnapshotState.READY,
                1L,
                "forged",
                System.currentTimeMillis()));
        await().atMost(WAIT).until(() -> refused("ack") >= acks + 1);
        await().atMost(WAIT).until(() -> refused("snapshot") >= snapshots + 1);
        JsonPath snapshot = run(alice, "snapshots", "Snapshot", "id", snapshotId);
        assertThat(snapshot.getString("data.snapshot.state")).isEqualTo("PENDING");
        assertThat(snapshot.getString("data.snapshot.statusReason")).isNotEqualTo("forged");
        assertThat(desktop(alice, id).getString("data.desktop.state")).isEqualTo("RUNNING");

        // The owner's own answers still apply.
        owner.send(new CommandAck(command.commandId(), true, null));
        owner.send(
            new SnapshotStatus(
                snapshotId,
                id,
                home,
                SnapshotState.READY,
                4096L,
                null,
                System.currentTimeMillis()));
        await()
            .atMost(WAIT)
            .until(
                () ->
                    "READY"
                        .equals(
                            run(alice, "snapshots", "Snapshot", "id", snapshotId)
                                .getString("data.snapshot.state")));

        // Alice asks for live usage; the intruder answers the owner's query with invented figures.
        CompletableFuture<JsonPath> live =
            CompletableFuture.supplyAsync(() -> run(alice, "live", "DesktopLive", "id", id));
        await().atMost(WAIT).until(() -> !owner.received(LiveQuery.class).isEmpty());
        LiveQuery query = owner.received(LiveQuery.class).get(0);
        long now = System.currentTimeMillis();
        intruder.send(
            new LiveReport(
                query.queryId(),
                home,
                List.of(new DesktopUsage(id, 999_000, 1L << 40, List.of(), now)),
                List.of(),
                null));
        await().atMost(WAIT).until(() -> refused("live") >= lives + 1);
        owner.send(
            new LiveReport(
                query.queryId(),
                home,
                List.of(new DesktopUsage(id, 123, 456_000_000L, List.of(), now)),
                List.of(),
                null));
        JsonPath answer = live.get(60, TimeUnit.SECONDS);
        assertThat(answer.getLong("data.desktop.live.cpuMillis"))
            .as(answer.prettify())
            .isEqualTo(123);
      }
    }
  }

  @Test
  void aPrintIsAnnouncedOnlyByTheDesktopsOwnAgentAndOnlyToThoseWhoMaySeeIt() throws Exception {
    String home = "print-home-" + s;
    try (RawAgent owner = ownerOf(home, "print-" + s)) {
      String admin = login("admin");
      String alice = login("alice");
      String bob = login("bob");
      Map<String, Object> template = SharedDisplayFleet.templateInput("printing-" + s);
      template.put("printing", true);
      JsonPath made = run(admin, "templates", "CreateTemplate", "input", template);
      String templateId = made.getString("data.createTemplate.id");
      assertThat(templateId).as(made.prettify()).isNotNull();
      String id = runningDesktop(owner, alice, "print-" + s, templateId);
      String intruderToken = newAgent("print-intruder-" + s);
      String intruderHome = "print-intruder-home-" + s;
      String join = registerCluster(intruderHome);
      String genuine = "2026-12-07T10-00-00Z-job-7-minutes.pdf";
      try (Subscription alices =
              Subscription.open(
                  base.getPort(), alice, "desktops", "DesktopPrints", Map.of("desktopId", id));
          Subscription bobs =
              Subscription.open(base.getPort(), bob, "desktops", "DesktopPrints", Map.of());
          RawAgent intruder = RawAgent.connect(base.getPort(), intruderToken)) {
        intruder.send(hello(List.of(cluster(intruderHome, "print-x-" + s, 1)), List.of(), join));
        awaitWelcome(intruder);
        double refusedBefore = refused("print");
        long now = System.currentTimeMillis();

        // Another agent announces a print of alice's desktop, to lure her to a download.
        intruder.send(new PrintJob(id, home, "invoice-to-pay.pdf", 1, now));
        await().atMost(WAIT).until(() -> refused("print") >= refusedBefore + 1);
        // The desktop's own agent with names that are no plain PDF name: dropped.
        owner.send(new PrintJob(id, home, "../../etc/passwd.pdf", 1, now));
        owner.send(new PrintJob(id, home, ".hidden.pdf", 1, now));
        owner.send(new PrintJob(id, home, "line\nbreak.pdf", 1, now));
        owner.send(new PrintJob(id, home, "notes.txt", 1, now));
        owner.send(new PrintJob("not-a-desktop", home, genuine, 1, now));
        owner.send(new PrintJob(id, home, genuine, 2048, now));

        await().atMost(WAIT).until(() -> !printed(alices).isEmpty());
        List<JsonObject> seen = printed(alices);
        assertThat(seen).hasSize(1);
        JsonObject event = seen.get(0);
        assertThat(event.getJsonObject("printed").getString("name")).isEqualTo(genuine);
        assertThat(event.getJsonObject("printed").getLong("sizeBytes")).isEqualTo(2048);
        assertThat(event.getJsonObject("desktop").getString("state")).isEqualTo("RUNNING");
        Thread.sleep(500); // bob's stream had as long as alice's
        assertThat(bobs.events())
            .as("bob hears nothing of alice's desktop")
            .noneMatch(e -> e.encode().contains(id));
      }
    }
  }

  private static List<JsonObject> printed(Subscription subscription) {
    return subscription.events().stream()
        .map(e -> e.getJsonObject("data"))
        .filter(d -> d != null && d.getJsonObject("desktopEvents") != null)
        .map(d -> d.getJsonObject("desktopEvents"))
        .filter(e -> e.getJsonObject("printed") != null)
        .toList();
  }

  private static Command awaitCommand(RawAgent agent, CommandKind kind) {
    await()
        .atMost(WAIT)
        .until(() -> agent.received(Command.class).stream().anyMatch(c -> c.kind() == kind));
    return agent.received(Command.class).stream()
        .filter(c -> c.kind() == kind)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aCommandRequestThatDoesNotDecodeIsDroppedAndTheNextOneStillReachesTheAgent()
      throws Exception {
    String home = "requests-home-" + s;
    try (RawAgent owner = ownerOf(home, "requests-" + s)) {
      String alice = login("alice");
      String id = runningDesktop(owner, alice, "requests-" + s);
      String cluster = desktop(alice, id).getString("data.desktop.cluster.id");
      String snapshot = UUID.randomUUID().toString();
      // Each names the owner's cluster, so only decoding keeps it from the agent.
      List<String> malformed =
          List.of(
              "{\"desktopId\":\""
                  + id
                  + "\",\"clusterId\":\""
                  + cluster
                  + "\",\"kind\":\"REBOOT\"}",
              "{\"desktopId\":\"" + id + "\",\"clusterId\":\"" + cluster + "\"}",
              "{\"desktopId\":\"d-1\",\"clusterId\":\"" + cluster + "\",\"kind\":\"STOP\"}",
              "{\"desktopId\":\""
                  + id
                  + "\",\"clusterId\":\""
                  + cluster
                  + "\",\"kind\":\"SNAPSHOT\"}",
              "{\"desktopId\":\""
                  + id
                  + "\",\"clusterId\":\""
                  + cluster
                  + "\",\"kind\":\"DELETE\",\"snapshotId\":\""
                  + snapshot
                  + "\"}",
              "[\"" + id + "\"]");
      for (String text : malformed) {
        notifications.publish(Channels.COMMAND, text).await().atMost(WAIT);
      }

      JsonPath stop = run(alice, "desktops", "StopDesktop", "id", id);
      assertThat(stop.getString("data.stopDesktop.id")).as(stop.prettify()).isEqualTo(id);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  owner.received(Command.class).stream()
                      .anyMatch(c -> c.kind() == CommandKind.STOP && c.desktop().id().equals(id)));
      assertThat(owner.received(Command.class))
          .as("no malformed request became a command")
          .extracting(Command::kind)
          .containsExactly(CommandKind.START, CommandKind.STOP);
      assertThat(owner.closeCode()).as("the agent's link stays open").isNull();
    }
  }

  @Test
  void aClusterNobodyRegisteredCannotJoin() throws Exception {
    String token = newAgent("stray-" + s);
    double refusedBefore = refused("hello");
    try (RawAgent stray = RawAgent.connect(base.getPort(), token)) {
      stray.send(hello(List.of(cluster("unregistered-" + s, "stray-" + s, 4)), List.of()));
      awaitRefused(stray, CloseCodes.FORBIDDEN);
    }
    assertThat(clusters("unregistered-" + s)).isZero();
    assertThat(refused("hello")).isEqualTo(refusedBefore + 1);
    assertThat(
            run(login("admin"), "clusters", "Clusters").getList("data.clusters.name", String.class))
        .doesNotContain("unregistered-" + s);
  }

  @Test
  void aJoinTokenJoinsOnlyItsOwnNameAndOnlyOnce() throws Exception {
    String x = "join-x-" + s;
    String y = "join-y-" + s;
    String joinX = registerCluster(x);
    registerCluster(y);
    String a = newAgent("joiner-a-" + s);
    String b = newAgent("joiner-b-" + s);

    // X's token announcing X and Y: Y is refused, and with it the whole Hello.
    try (RawAgent agent = RawAgent.connect(base.getPort(), a)) {
      agent.send(
          hello(List.of(cluster(x, "join-" + s, 1), cluster(y, "join-" + s, 1)), List.of(), joinX));
      awaitRefused(agent, CloseCodes.FORBIDDEN);
    }
    assertThat(clusters(x) + clusters(y)).isZero();
    assertThat(joined(x)).as("the refused Hello used no token").isFalse();

    // X's token for Y alone: a token is bound to its name.
    try (RawAgent agent = RawAgent.connect(base.getPort(), a)) {
      agent.send(hello(List.of(cluster(y, "join-" + s, 1)), List.of(), joinX));
      awaitRefused(agent, CloseCodes.FORBIDDEN);
    }
    assertThat(clusters(y)).isZero();

    // X's token for X: joins; the agent needs no token to come back.
    try (RawAgent agent = RawAgent.connect(base.getPort(), a)) {
      agent.send(hello(List.of(cluster(x, "join-" + s, 1)), List.of(), joinX));
      awaitWelcome(agent);
    }
    try (RawAgent agent = RawAgent.connect(base.getPort(), a)) {
      agent.send(hello(List.of(cluster(x, "join-" + s, 1)), List.of()));
      awaitWelcome(agent);
    }
    UUID owner = agentId("joiner-a-" + s);
    assertThat(clusterOwner(x)).isEqualTo(owner);

    // The same token a second time, by another agent: refused, X stays with the first.
    try (RawAgent agent = RawAgent.connect(base.getPort(), b)) {
      agent.send(hello(List.of(cluster(x, "join-" + s, 1)), List.of(), joinX));
      awaitRefused(agent, CloseCodes.FORBIDDEN);
    }
    assertThat(clusterOwner(x)).isEqualTo(owner);
    assertThat(joined(x)).isTrue();
  }

  @Test
  void capacityBeyondTheBoundsIsRefused() throws Exception {
    String name = "huge-" + s;
    String join = registerCluster(name);
    String token = newAgent("boaster-" + s);
    double refusedBefore = refused("hello");
    ClusterReport invented =
        new ClusterReport(
            name,
            "huge-" + s,
            "huge-1a",
            List.of("amd64"),
            List.of("runc"),
            List.of("longhorn"),
            List.of(),
            List.of(new NodeGroupReport("node-0", "amd64", 100_000_000, 65_536, 110, 0, 0)));
    try (RawAgent agent = RawAgent.connect(base.getPort(), token)) {
      agent.send(hello(List.of(invented), List.of(), join));
      awaitRefused(agent, CloseCodes.PROTOCOL_ERROR);
    }
    assertThat(clusters(name)).isZero();
    assertThat(joined(name)).isFalse();
    assertThat(refused("hello")).isEqualTo(refusedBefore + 1);

    // Joined with a real capacity, it cannot inflate it later either.
    double capacityBefore = refused("capacity");
    try (RawAgent agent = RawAgent.connect(base.getPort(), token)) {
      agent.send(hello(List.of(cluster(name, "huge-" + s, 1)), List.of(), join));
      awaitWelcome(agent);
      agent.send(new CapacityUpdate(invented, true));
      awaitClose(agent, CloseCodes.PROTOCOL_ERROR);
    }
    assertThat(
            one(
                    "select g.cpu_millis from node_group g join cluster c on c.id = g.cluster_id"
                        + " where c.name = $1",
                    name)
                .getLong(0))
        .isEqualTo(16_000L);
    assertThat(refused("capacity")).isEqualTo(capacityBefore + 1);
  }

  @Test
  void anAgentRepeatingItsCapacityRewritesNothingWhileAChangeOrANotReadyClusterStillApplies()
      throws Exception {
    String home = "repeat-home-" + s;
    try (RawAgent owner = ownerOf(home, "repeat-" + s)) {
      ClusterReport busy = withExternalCpu(RawAgent.cluster(home, "repeat-" + s, 1), 1_000);
      owner.send(new CapacityUpdate(busy, true));
      await().atMost(WAIT).until(() -> externalCpu(home) == 1_000L);
      double repeatedBefore = repeated();
      String written = updatedAt(home);

      for (int i = 0; i < 20; i++) {
        owner.send(new CapacityUpdate(busy, true));
      }
      await().atMost(WAIT).until(() -> repeated() >= repeatedBefore + 20);
      assertThat(updatedAt(home)).as("nothing was written again").isEqualTo(written);

      // A cluster that is not ready says so every time, and every time it is applied.
      owner.send(new CapacityUpdate(busy, false));
      owner.send(new CapacityUpdate(busy, false));
      owner.send(new CapacityUpdate(withExternalCpu(busy, 3_000), true));
      await().atMost(WAIT).until(() -> externalCpu(home) == 3_000L);
      assertThat(updatedAt(home)).isNotEqualTo(written);
      assertThat(repeated())
          .as("only the identical ready reports were skipped")
          .isEqualTo(repeatedBefore + 20);
    }
  }

  @Test
  void aClusterItsAgentReportsNotReadyStaysNotReadyAcrossHeartbeatsUntilReportedReady()
      throws Exception {
    String home = "unready-" + s;
    String admin = login("admin");
    try (RawAgent owner = ownerOf(home, "unready-" + s)) {
      ClusterReport report = cluster(home, "unready-" + s, 1);
      await().atMost(WAIT).until(() -> ready(admin, home));

      owner.send(new CapacityUpdate(report, false));
      await().atMost(WAIT).until(() -> !ready(admin, home));
      // The owner beats every second: two heartbeats are written after the report.
      awaitHeartbeatWritten(home);
      awaitHeartbeatWritten(home);
      assertThat(ready(admin, home)).as("a heartbeat does not overrule the agent").isFalse();

      owner.send(new CapacityUpdate(report, true));
      await().atMost(WAIT).until(() -> ready(admin, home));
    }
  }

  @Test
  void aClusterWhoseAgentLeftIsReadyAgainOnceTheAgentIsBackAndReportsItReady() throws Exception {
    String home = "back-" + s;
    String admin = login("admin");
    ClusterReport report = cluster(home, "back-" + s, 1);
    try (RawAgent owner = ownerOf(home, "back-" + s)) {
      owner.send(new CapacityUpdate(report, true));
      await().atMost(WAIT).until(() -> ready(admin, home));
    }
    await().atMost(WAIT).until(() -> !storedReady(home));

    try (RawAgent back = ownerOf(home, "back-" + s)) {
      // As an agent does after every Welcome: each cluster's capacity, here the same as before.
      back.send(new CapacityUpdate(report, true));
      await().atMost(WAIT).until(() -> ready(admin, home));
      awaitHeartbeatWritten(home);
      assertThat(ready(admin, home)).isTrue();
    }
  }

  @Test
  void anOldLinkThatClosesAfterTheAgentCameBackLeavesItsClustersReady() throws Exception {
    String home = "late-close-" + s;
    String admin = login("admin");
    try (RawAgent old = ownerOf(home, "late-close-" + s)) {
      // The agent is back on a new link before the gateway noticed the old one was gone.
      try (RawAgent current = ownerOf(home, "late-close-" + s)) {
        await().atMost(WAIT).until(() -> ready(admin, home));
        old.close();
        await()
            .during(Duration.ofSeconds(3))
            .atMost(WAIT)
            .until(() -> storedReady(home) && ready(admin, home));
      }
    }
  }

  /** Whether the console shows {@code cluster} ready. */
  private static boolean ready(String admin, String cluster) {
    return run(admin, "clusters", "Clusters")
        .getBoolean("data.clusters.find { it.name == '" + cluster + "' }.ready");
  }

  private boolean storedReady(String cluster) {
    return one("select ready from cluster where name = $1", cluster).getBoolean(0);
  }

  /** Waits until a heartbeat later than the cluster's last one is written. */
  private void awaitHeartbeatWritten(String cluster) {
    String before = heartbeatAt(cluster);
    await().atMost(WAIT).until(() -> !heartbeatAt(cluster).equals(before));
  }

  private String heartbeatAt(String cluster) {
    return one("select heartbeat_at::text from cluster where name = $1", cluster).getString(0);
  }

  private static ClusterReport withExternalCpu(ClusterReport c, long external) {
    return new ClusterReport(
        c.name(),
        c.region(),
        c.zone(),
        c.architectures(),
        c.runtimeClasses(),
        c.storageClasses(),
        c.cachedImages(),
        c.nodeGroups().stream()
            .map(
                g ->
                    new NodeGroupReport(
                        g.name(),
                        g.arch(),
                        g.cpuMillis(),
                        g.memoryMiB(),
                        g.maxDesktops(),
                        external,
                        g.externalMemoryMiB()))
            .toList());
  }

  private long externalCpu(String cluster) {
    return one(
            "select sum(g.external_cpu_millis) from node_group g join cluster c on"
                + " c.id = g.cluster_id where c.name = $1",
            cluster)
        .getLong(0);
  }

  private String updatedAt(String cluster) {
    return one("select updated_at::text from cluster where name = $1", cluster).getString(0);
  }

  private double repeated() {
    Counter c = meters.find(AgentEndpoint.REPEATED_CAPACITY).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aDisplayTunnelIsAskedOnlyOfTheDesktopsOwnAgentAndTakenByNoOther() throws Exception {
    String home = "tunnel-home-" + s;
    try (RawAgent owner = ownerOf(home, "tunnel-" + s)) {
      String alice = login("alice");
      String id = runningDesktop(owner, alice, "tunnel-" + s);
      String intruderToken = newAgent("tunnel-thief-" + s);
      String intruderHome = "tunnel-thief-home-" + s;
      String join = registerCluster(intruderHome);
      try (RawAgent intruder = RawAgent.connect(base.getPort(), intruderToken)) {
        intruder.send(hello(List.of(cluster(intruderHome, "thief-" + s, 1)), List.of(), join));
        awaitWelcome(intruder);

        double tunnelsBefore = refused("tunnel");
        JsonPath ticket = run(alice, "connect", "ConnectDesktop", "id", id);
        String url = ticket.getString("data.connectDesktop.url");
        assertThat(url).as(ticket.prettify()).isNotNull();
        try (DisplayClient viewer =
            DisplayClient.open(url, "http://localhost:" + base.getPort(), "binary")) {
          await().atMost(WAIT).until(() -> !owner.received(TunnelOpen.class).isEmpty());
          String tunnelId = owner.received(TunnelOpen.class).get(0).tunnelId();
          assertThat(intruder.received(TunnelOpen.class)).isEmpty();

          // The intruder dials back for the owner's tunnel with its own valid token.
          String dialBack =
              "ws://localhost:" + base.getPort() + ProtocolVersion.tunnelPath(tunnelId);
          try (DisplayClient stolen =
              DisplayClient.open(
                  dialBack, Map.of("Authorization", "Bearer " + intruderToken), null)) {
            assertThat(stolen.closeCode(WAIT)).isEqualTo(CloseCodes.FORBIDDEN);
          }
          // ...and refuses it in the owner's name: ignored, the viewer still waits for the owner.
          intruder.send(new TunnelRefused(tunnelId, TunnelRefused.Cause.DISPLAY_UNREACHABLE, "x"));
          // Both attempts are counted as refused tunnel frames.
          await().atMost(WAIT).until(() -> refused("tunnel") >= tunnelsBefore + 2);
          owner.send(new TunnelRefused(tunnelId, TunnelRefused.Cause.NO_DISPLAY, "no display"));
          assertThat(viewer.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.NO_DISPLAY);
        }
      }
    }
  }

  @Test
  void onlyAnAdminRegistersClustersOrRevokesAgents() {
    String alice = login("alice");
    assertThat(errorCode(run(alice, "clusters", "RegisterCluster", "name", "alice-" + s)))
        .isEqualTo("FORBIDDEN");
    assertThat(
            one("select count(*) from cluster_registration where name = $1", "alice-" + s)
                .getLong(0))
        .isZero();
    assertThat(errorCode(run(alice, "clusters", "RevokeAgent", "name", "test-agent")))
        .isEqualTo("FORBIDDEN");
    assertThat(one("select revoked from agent where name = 'test-agent'").getBoolean(0)).isFalse();
    assertThat(errorCode(run(null, "clusters", "RegisterCluster", "name", "anon-" + s)))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(login("admin"), "clusters", "RegisterCluster", "name", "Not A Name")))
        .isEqualTo("VALIDATION");
  }

  @Test
  void aRevokedAgentIsCutOffAndAStartDoesNotBringItBack() throws Exception {
    String name = "revoked-" + s;
    String token = newAgent(name);
    String join = registerCluster("revoked-home-" + s);
    try (RawAgent agent = RawAgent.connect(base.getPort(), token)) {
      agent.send(hello(List.of(cluster("revoked-home-" + s, "revoked-" + s, 1)), List.of(), join));
      awaitWelcome(agent);
      JsonPath r = run(login("admin"), "clusters", "RevokeAgent", "name", name);
      assertThat(r.getBoolean("data.revokeAgent")).as(r.prettify()).isTrue();
      awaitClose(agent, CloseCodes.UNAUTHORIZED);
    }
    // What a gateway start does for its bootstrap agent does not undo the revocation.
    agents.register(name, token).await().atMost(WAIT);
    try (RawAgent agent = RawAgent.connect(base.getPort(), token)) {
      awaitRefused(agent, CloseCodes.UNAUTHORIZED);
    }
    assertThat(one("select revoked from agent where name = $1", name).getBoolean(0)).isTrue();
  }

  // ---- helpers

  /** The tests' own agent (the bootstrap one), serving {@code cluster} in {@code region}. */
  private RawAgent ownerOf(String cluster, String region) throws Exception {
    RawAgent owner = RawAgent.connect(base.getPort(), PostgresResource.AGENT_TOKEN).beating();
    owner.send(hello(List.of(cluster(cluster, region, 1)), List.of()));
    awaitWelcome(owner);
    return owner;
  }

  /** Alice's desktop in {@code region}, started and reported RUNNING by {@code owner}. */
  private String runningDesktop(RawAgent owner, String alice, String region) {
    return runningDesktop(
        owner,
        alice,
        region,
        run(alice, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
  }

  private String runningDesktop(RawAgent owner, String alice, String region, String templateId) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", region);
    JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
    String id = created.getString("data.createDesktop.id");
    assertThat(id).as(created.prettify()).isNotNull();
    Command start = owner.awaitStart(id, WAIT);
    try {
      owner.send(new CommandAck(start.commandId(), true, null));
      owner.send(status(id, start.desktop().cluster(), DesktopState.RUNNING, null));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    await()
        .atMost(WAIT)
        .until(() -> "RUNNING".equals(desktop(alice, id).getString("data.desktop.state")));
    return id;
  }

  private String newAgent(String name) {
    String token = AgentTokens.generate();
    agents.register(name, token).await().atMost(WAIT);
    return token;
  }

  private static String registerCluster(String name) {
    JsonPath r = run(login("admin"), "clusters", "RegisterCluster", "name", name);
    String token = r.getString("data.registerCluster.joinToken");
    assertThat(token).as(r.prettify()).isNotNull();
    return token;
  }

  private static Hello hello(
      List<ClusterReport> clusters, List<DesktopStatus> inventory, String... joinTokens) {
    return new Hello(
        ProtocolVersion.CURRENT,
        "raw-agent",
        "simulated",
        clusters,
        inventory,
        List.of(joinTokens));
  }

  private static DesktopStatus status(
      String id, String cluster, DesktopState state, String reason) {
    return new DesktopStatus(id, cluster, null, state, reason, System.currentTimeMillis());
  }

  private static Welcome awaitWelcome(RawAgent agent) {
    await()
        .atMost(WAIT)
        .until(() -> !agent.received(Welcome.class).isEmpty() || agent.closeCode() != null);
    assertThat(agent.closeCode()).as("closed instead of welcomed").isNull();
    return agent.received(Welcome.class).get(0);
  }

  private static void awaitClose(RawAgent agent, int code) {
    await().atMost(WAIT).until(() -> agent.closeCode() != null);
    assertThat(agent.closeCode()).isEqualTo(code);
  }

  /** The agent's Hello was refused: closed with {@code code}, never welcomed. */
  private static void awaitRefused(RawAgent agent, int code) {
    awaitClose(agent, code);
    assertThat(agent.received(Welcome.class)).isEmpty();
  }

  private static JsonPath desktop(String token, String id) {
    return run(token, "desktops", "Desktop", "id", id);
  }

  private double refused(String frame) {
    Counter c = meters.find(AgentRefusals.METER).tag("frame", frame).counter();
    return c == null ? 0 : c.count();
  }

  private long usedCpu(String cluster) {
    return one(
            "select sum(g.used_cpu_millis) from node_group g join cluster c on c.id = g.cluster_id"
                + " where c.name = $1",
            cluster)
        .getLong(0);
  }

  private long clusters(String name) {
    return one("select count(*) from cluster where name = $1", name).getLong(0);
  }

  private UUID clusterOwner(String name) {
    return one("select agent_id from cluster where name = $1", name).getUUID(0);
  }

  private UUID agentId(String name) {
    return one("select id from agent where name = $1", name).getUUID(0);
  }

  private boolean joined(String name) {
    return one("select joined_at is not null from cluster_registration where name = $1", name)
        .getBoolean(0);
  }

  private static UUID id(String id) {
    return UUID.fromString(id);
  }

  private Row one(String sql, Object... params) {
    RowSet<Row> rows =
        pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10));
    return rows.iterator().next();
  }
}
