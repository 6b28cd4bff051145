package io.opencdi.gateway.agent;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Subscription;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An agent that floods the gateway with desktop reports, as a large fleet does under a placement
 * burst: a raw control channel sends hundreds of acks and statuses without waiting, interleaved
 * across desktops and with heartbeats. Every report must be recorded and announced, in order per
 * desktop, with capacity accounting in step, and the heartbeats must still be written.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AgentReportBatchTest {
  private static final Vertx VERTX = Vertx.vertx();
  private static final int DESKTOPS = 30;
  private static final String CLUSTER = "batch-cluster";
  private static final String REGION = "batch-region";
  private static final List<DesktopState> AFTER_ACK =
      List.of(
          DesktopState.STARTING,
          DesktopState.RUNNING,
          DesktopState.STOPPING,
          DesktopState.STOPPED,
          DesktopState.STARTING,
          DesktopState.RUNNING);

  @TestHTTPResource("/")
  URL base;

  @Inject Pool pool;

  private final ProtocolCodec codec = new ProtocolCodec();
  private final List<Message> received = new CopyOnWriteArrayList<>();

  @Test
  void everyReportOfAFloodIsRecordedAndAnnouncedInOrderPerDesktop() throws Exception {
    WebSocketClient client = VERTX.createWebSocketClient();
    WebSocket agent = connect(client);
    long beating = 0;
    try {
      send(agent, hello());
      await().atMost(Duration.ofSeconds(30)).until(() -> ofType(Welcome.class).size() == 1);
      // Like a real agent: a heartbeat every second, whatever else is on the wire.
      beating =
          VERTX.setPeriodic(
              1000,
              t -> agent.writeTextMessage(codec.encode(new Heartbeat(System.currentTimeMillis()))));
      String alice = login("alice");

      try (Subscription events =
          Subscription.open(base.getPort(), alice, "desktops", "DesktopEvents", Map.of())) {
        List<String> ids = new CopyOnWriteArrayList<>();
        Map<String, Object> input = input(alice);
        // The first waits until placement has heard of the new cluster.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  String id =
                      run(alice, "desktops", "CreateDesktop", "input", input)
                          .getString("data.createDesktop.id");
                  if (id != null) {
                    ids.add(id);
                  }
                  return id != null;
                });
        for (int i = 1; i < DESKTOPS; i++) {
          var created = run(alice, "desktops", "CreateDesktop", "input", input);
          String id = created.getString("data.createDesktop.id");
          assertThat(id).as(created.prettify()).isNotNull();
          ids.add(id);
        }
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> commands(CommandKind.START).size() == DESKTOPS);
        Map<String, String> commandOf = new HashMap<>();
        commands(CommandKind.START).forEach(c -> commandOf.put(c.desktop().id(), c.commandId()));
        assertThat(commandOf.keySet()).containsExactlyInAnyOrderElementsOf(ids);

        // Everything at once, interleaved across desktops, with heartbeats in between.
        for (String id : ids) {
          send(agent, new CommandAck(commandOf.get(id), true, null));
        }
        long lastHeartbeat = 0;
        for (int step = 0; step < AFTER_ACK.size(); step++) {
          for (String id : ids) {
            send(
                agent,
                new DesktopStatus(id, CLUSTER, "node-0", AFTER_ACK.get(step), "step " + step, 0L));
          }
          lastHeartbeat = System.currentTimeMillis();
          send(agent, new Heartbeat(lastHeartbeat));
        }

        List<String> expected = new ArrayList<>(List.of("PENDING", "SCHEDULED"));
        AFTER_ACK.forEach(s -> expected.add(s.name()));
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  Map<String, List<String>> seen = statesById(events);
                  for (String id : ids) {
                    assertThat(seen.get(id)).as("events of " + id).isEqualTo(expected);
                  }
                });
        assertThat(events.errors()).isEmpty();

        Row cluster =
            pool.preparedQuery(
                    "select c.heartbeat_at, c.ready, sum(g.used_desktops) from cluster c"
                        + " join node_group g on g.cluster_id = c.id where c.name = $1"
                        + " group by c.id")
                .execute(Tuple.of(CLUSTER))
                .await()
                .atMost(Duration.ofSeconds(10))
                .iterator()
                .next();
        // Stopped and started again: each running desktop counts exactly once.
        assertThat(cluster.getLong(2)).isEqualTo(DESKTOPS);
        assertThat(cluster.getBoolean(1)).isTrue();
        long lastSent = lastHeartbeat;
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(heartbeatAt().toInstant().toEpochMilli())
                        .isGreaterThanOrEqualTo(lastSent - 1000));
        for (String id : ids) {
          var state =
              pool.preparedQuery("select state, status_reason from desktop where id = $1::uuid")
                  .execute(Tuple.of(id))
                  .await()
                  .atMost(Duration.ofSeconds(10))
                  .iterator()
                  .next();
          assertThat(state.getString(0)).isEqualTo("RUNNING");
          assertThat(state.getString(1)).isEqualTo("step " + (AFTER_ACK.size() - 1));
        }

        // Clean up through the API so the fleet is left as found.
        for (String id : ids) {
          run(alice, "desktops", "DeleteDesktop", "id", id);
        }
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> commands(CommandKind.DELETE).size() == DESKTOPS);
        for (Command c : commands(CommandKind.DELETE)) {
          send(agent, new CommandAck(c.commandId(), true, null));
          send(
              agent,
              new DesktopStatus(
                  c.desktop().id(), CLUSTER, "node-0", DesktopState.DELETED, null, 0));
        }
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () ->
                    assertThat(
                            pool.preparedQuery(
                                    "select count(*) from desktop where owner_id ="
                                        + " (select id from app_user where username = 'alice')"
                                        + " and region = $1 and state <> 'DELETED'")
                                .execute(Tuple.of(REGION))
                                .await()
                                .atMost(Duration.ofSeconds(10))
                                .iterator()
                                .next()
                                .getLong(0))
                        .isZero());
      }
    } finally {
      VERTX.cancelTimer(beating);
      agent.close();
      client.close();
    }
  }

  private OffsetDateTime heartbeatAt() {
    return pool.preparedQuery("select heartbeat_at from cluster where name = $1")
        .execute(Tuple.of(CLUSTER))
        .await()
        .atMost(Duration.ofSeconds(10))
        .iterator()
        .next()
        .getOffsetDateTime(0);
  }

  /** Per desktop, the states its events announced, in the order they arrived. */
  private static Map<String, List<String>> statesById(Subscription events) {
    Map<String, List<String>> seen = new LinkedHashMap<>();
    for (JsonObject e : events.events()) {
      JsonObject desktop =
          e.getJsonObject("data").getJsonObject("desktopEvents").getJsonObject("desktop");
      seen.computeIfAbsent(desktop.getString("id"), k -> new ArrayList<>())
          .add(desktop.getString("state"));
    }
    return seen;
  }

  private Map<String, Object> input(String token) {
    Map<String, Object> in = new HashMap<>();
    in.put(
        "templateId",
        run(token, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
    in.put("region", REGION);
    return in;
  }

  private WebSocket connect(WebSocketClient client) throws Exception {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("localhost")
            .setPort(base.getPort())
            .setURI(ProtocolVersion.PATH)
            .addHeader("Authorization", "Bearer " + PostgresResource.AGENT_TOKEN);
    WebSocket ws =
        client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    ws.textMessageHandler(text -> received.add(codec.decode(text)));
    return ws;
  }

  private void send(WebSocket ws, Message message) throws Exception {
    ws.writeTextMessage(codec.encode(message))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private <T extends Message> List<T> ofType(Class<T> type) {
    return received.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private List<Command> commands(CommandKind kind) {
    return ofType(Command.class).stream().filter(c -> c.kind() == kind).toList();
  }

  private static Hello hello() {
    List<NodeGroupReport> nodes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      nodes.add(new NodeGroupReport("node-" + i, "amd64", 64_000, 262_144, 110, 0, 0));
    }
    return new Hello(
        ProtocolVersion.CURRENT,
        "batch-agent",
        "simulated",
        List.of(
            new ClusterReport(
                CLUSTER,
                REGION,
                REGION + "-1a",
                List.of("amd64"),
                List.of("runc"),
                List.of("longhorn"),
                List.of(),
                nodes)),
        List.of());
  }
}
