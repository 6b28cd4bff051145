package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Settings;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Subscription fan-out: {@code loadtest.subscribers} clients (default 1,000) subscribe to {@code
 * desktopEvents} over graphql-transport-ws as the admin, who sees every desktop's changes; then
 * desktops are created, powered off and deleted at {@code rate} per second. Each event's delivery
 * delay — from the gateway's {@code at} (when it published the change) to the moment the client
 * received it — is recorded as a Gatling response named {@value #DELIVERY}, so the report shows its
 * percentiles and the brief's target (p99 ≤ 200 ms) is a Gatling assertion. Every subscriber must
 * receive every event.
 *
 * <p>Defaults: 1,000 subscribers, 120 desktops at 2 per second (about 8 events each), 10 clusters ×
 * 20 nodes.
 */
public class SubscriptionFanOut extends Simulation {
  static final String DELIVERY = "desktopEvents delivery";
  private static final int RAMP_SECONDS = 30;
  private static final int SETTLE_SECONDS = 10;

  private final LoadRun run;
  private final GatlingStats stats = new GatlingStats();
  private final AtomicLong subscribers = new AtomicLong();
  private final AtomicLong drivers = new AtomicLong();
  private final Map<Long, LongAdder> received = new ConcurrentHashMap<>();
  private final LongAdder errors = new LongAdder();

  public SubscriptionFanOut() {
    run =
        LoadRun.start(
            "SubscriptionFanOut",
            Settings.defaults(120, 10, 20, 110, 100, 2, 1),
            s -> s.desktops() / s.users() + 5);
    Settings s = run.settings();
    int subscriberCount = Integer.getInteger("loadtest.subscribers", 1_000);
    int driveSeconds = (int) Math.ceil(s.desktops() / s.rate()) + 8;
    int listenSeconds = RAMP_SECONDS + SETTLE_SECONDS + driveSeconds + SETTLE_SECONDS;
    String subscribe =
        Gql.write(
            Map.of(
                "id", "1",
                "type", "subscribe",
                "payload",
                    Map.of(
                        "query", run.harness().operations().document("desktops"),
                        "operationName", "DesktopEvents",
                        "variables", Map.of())));
    String init =
        Gql.write(
            Map.of(
                "type",
                "connection_init",
                "payload",
                Map.of("Authorization", "Bearer " + run.harness().adminToken())));

    var protocol =
        http.contentTypeHeader("application/json")
            .acceptHeader("application/json")
            .shareConnections()
            .wsUnmatchedInboundMessageBufferSize(100_000)
            .wsAutoReplyTextFrame(t -> t.contains("\"ping\"") ? "{\"type\":\"pong\"}" : null);

    ScenarioBuilder subscriber =
        scenario("subscriber")
            .exec(stats.hook())
            .exec(
                session -> {
                  long n = subscribers.getAndIncrement();
                  received.put(n, new LongAdder());
                  return session
                      .set("n", n)
                      .set("ws", run.baseUrl(n).replace("http://", "ws://") + "/graphql");
                })
            .exec(ws("connect").connect("#{ws}").subprotocol("graphql-transport-ws"))
            .exec(
                ws("connection_init")
                    .sendText(init)
                    .await(Duration.ofSeconds(30))
                    .on(
                        ws.checkTextMessage("connection_ack")
                            .check(jsonPath("$.type").is("connection_ack"))))
            .exec(ws("subscribe").sendText(subscribe))
            .during(Duration.ofSeconds(listenSeconds))
            .on(pause(Duration.ofSeconds(1)).exec(ws.processUnmatchedMessages(this::deliveries)))
            .exec(ws.processUnmatchedMessages(this::deliveries))
            .exec(ws("close").close());

    ScenarioBuilder driver =
        scenario("state changes")
            .exec(
                session -> {
                  long i = drivers.getAndIncrement();
                  List<String> users = run.harness().usernames();
                  String owner = users.get((int) (i % users.size()));
                  return session
                      .set("i", i)
                      .set("owner", owner)
                      .set("requestId", "fan-" + i)
                      .set("base", run.baseUrl(run.next()))
                      .set("token", run.harness().token(owner));
                })
            .doIf(session -> session.getLong("i") < s.desktops())
            .then(
                exec(http("createDesktop")
                        .post("#{base}/graphql")
                        .header("Authorization", "Bearer #{token}")
                        .body(StringBody(session -> create(session)))
                        .check(status().is(200))
                        .check(jsonPath("$.data.createDesktop.id").saveAs("id")))
                    .exec(
                        session -> {
                          String requestId = session.getString("requestId");
                          if (session.contains("id")) {
                            run.ledger()
                                .created(
                                    requestId, session.getString("owner"), session.getString("id"));
                          } else if (!run.ledger().has(requestId)) {
                            run.ledger().unknown(requestId, session.getString("owner"), "no id");
                          }
                          return session;
                        })
                    // A failed creation has nothing to stop or delete.
                    .doIf(session -> session.contains("id"))
                    .then(
                        pause(Duration.ofSeconds(3))
                            .exec(byId("stopDesktop", "StopDesktop"))
                            .pause(Duration.ofSeconds(3))
                            .exec(byId("deleteDesktop", "DeleteDesktop"))));

    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(ConsistencyStep.passed());
    assertions.add(details(DELIVERY).responseTime().percentile(99.0).lte(200));
    setUp(
            subscriber
                .injectOpen(rampUsers(subscriberCount).during(RAMP_SECONDS))
                .andThen(ConsistencyStep.population(run, Duration.ofMinutes(2), this::beforeCheck)),
            driver.injectOpen(
                PlacementBurst.after(
                    RAMP_SECONDS + SETTLE_SECONDS,
                    PlacementBurst.ramp(s.rate(), s.rampSeconds(), s.desktops()))))
        .protocols(protocol)
        .assertions(assertions);
  }

  private String create(Session session) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("templateId", run.harness().templateId());
    input.put("requestId", session.getString("requestId"));
    return Gql.body(
        run.harness().operations(), "desktops", "CreateDesktop", Map.of("input", input));
  }

  private io.gatling.javaapi.http.HttpRequestActionBuilder byId(String name, String operation) {
    return http(name)
        .post("#{base}/graphql")
        .header("Authorization", "Bearer #{token}")
        .body(
            StringBody(
                session ->
                    Gql.body(
                        run.harness().operations(),
                        "desktops",
                        operation,
                        Map.of("id", session.getString("id")))))
        .check(status().is(200))
        .check(jsonPath("$.errors").notExists());
  }

  /** Records the delivery delay of every event received since the last call. */
  private Session deliveries(List<WsInboundMessage> messages, Session session) {
    LongAdder count = received.get(session.getLong("n"));
    for (WsInboundMessage m : messages) {
      if (!(m instanceof WsInboundMessage.Text text)) {
        continue;
      }
      JsonNode frame = Gql.read(text.message());
      String type = frame.path("type").asText();
      switch (type) {
        case "next" -> {
          JsonNode payload = frame.path("payload");
          if (payload.has("errors")) {
            errors.increment();
            stats.record(
                "subscriber",
                DELIVERY,
                m.timestamp(),
                m.timestamp(),
                false,
                Gql.abbreviate(payload.toString()));
            continue;
          }
          String at = payload.path("data").path("desktopEvents").path("at").asText();
          long sent = OffsetDateTime.parse(at).toInstant().toEpochMilli();
          stats.record("subscriber", DELIVERY, sent, Math.max(sent, m.timestamp()), true, null);
          count.increment();
        }
        case "error", "complete" -> {
          errors.increment();
          stats.record(
              "subscriber",
              DELIVERY,
              m.timestamp(),
              m.timestamp(),
              false,
              type + ": " + Gql.abbreviate(text.message()));
        }
        default -> {
          // pong and the like
        }
      }
    }
    return session;
  }

  private void beforeCheck() {
    long min = received.values().stream().mapToLong(LongAdder::sum).min().orElse(0);
    long max = received.values().stream().mapToLong(LongAdder::sum).max().orElse(0);
    long total = received.values().stream().mapToLong(LongAdder::sum).sum();
    run.figure("subscribers", received.size());
    run.figure("events received per subscriber (min-max)", min + "-" + max);
    run.figure("events delivered in all", total);
    run.figure("subscription errors", errors.sum());
    if (received.isEmpty() || max == 0) {
      run.fail("no subscriber received any event");
    } else if (min != max) {
      run.fail("some subscribers missed events: received between " + min + " and " + max);
    }
  }

  @Override
  public void after() {
    run.close();
  }
}
