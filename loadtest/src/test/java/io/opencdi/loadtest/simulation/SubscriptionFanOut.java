package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.GatewayHistograms;
import io.opencdi.loadtest.harness.Harness;
import io.opencdi.loadtest.harness.Settings;
import io.opencdi.loadtest.harness.StalledConsole;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Subscription fan-out: {@code loadtest.subscribers} clients (default 1,000) subscribe to {@code
 * desktopEvents} over graphql-transport-ws as the admin, who sees every desktop's changes; then
 * desktops are created, powered off and deleted at {@code rate} per second. Each event's delivery
 * delay — from the gateway's {@code at} (when it published the change) to the moment the client
 * received it — is recorded as a Gatling response named {@value #DELIVERY} plus the engine, so the
 * report shows its percentiles and the brief's target (p99 ≤ 200 ms at 1,000 consoles, ≤ 1 s
 * beyond) is a Gatling assertion. Every subscriber must receive every event.
 *
 * <p>The run has phases: the same desktops are first driven with nobody listening ({@code
 * createDesktop (no listeners)}), then the consoles connect (live heap measured: per connection),
 * subscribe all at once (measured again: per subscription) and listen while the desktops are driven
 * again ({@code createDesktop (listening)}). The summary prints delivery p50/p99 per engine, both
 * createDesktop p99s and their ratio (at most 2 or the run fails), the heap figures, and the
 * database's durability.
 *
 * <p>{@code -Dloadtest.engine=grouped|per-subscriber|both} picks the gateway's subscription engine
 * ({@link Harness#groupsSubscriptions}); {@code both} with {@code --gateways 2} compares them side
 * by side in one run: half the consoles on each gateway, the same events for all.
 *
 * <p>Every delivery counts in the summary's figures (delivery p50/p99/max, events per console). The
 * Gatling report and its p99 assertion get the deliveries of at most {@value #REPORTED_CONSOLES}
 * consoles (every k-th, k = subscribers / {@value #REPORTED_CONSOLES}): at 10,000 consoles a
 * Gatling record per delivery cost the shared cores more than reading the frames.
 *
 * <p>{@code -Dloadtest.stalled-consoles=N} adds N consoles on the first gateway that subscribe
 * {@value #STALLED_SUBSCRIPTIONS} times each with the others and then stop reading ({@link
 * StalledConsole}). The summary then tells how each ended, what the gateway held for a connection
 * at most and how many it closed as slow; with {@code --gateways 2} the delivery delay is also
 * given per gateway, so the consoles beside the stalled ones and those without are side by side.
 *
 * <p>Defaults: 1,000 subscribers, 120 desktops at 2 per second (about 8 events each), 10 clusters ×
 * 20 nodes.
 */
public class SubscriptionFanOut extends Simulation {
  static final String DELIVERY = "desktopEvents delivery";
  private static final int RAMP_SECONDS = 30;
  private static final int SETTLE_SECONDS = 10;
  private static final int REPORTED_CONSOLES = 1_000;
  // The gateway's default operations per connection: the most a stalled console can leave unread.
  private static final int STALLED_SUBSCRIPTIONS = 32;
  // The gateway's default opencdi.graphql.websocket.max-queued-bytes, which the harness keeps.
  private static final long DEFAULT_MAX_QUEUED_BYTES = 1 << 20;

  private final LoadRun run;
  private final GatlingStats stats = new GatlingStats();
  private final AtomicLong subscribers = new AtomicLong();
  private final AtomicLong quietDrivers = new AtomicLong();
  private final AtomicLong drivers = new AtomicLong();
  private final Map<Long, LongAdder> received = new ConcurrentHashMap<>();
  private final LongAdder errors = new LongAdder();
  private final Map<String, Millis> delivery = new ConcurrentHashMap<>();
  // With stalled consoles: the delays of each gateway's consoles, by gateway index.
  private final Map<Integer, Millis> deliveryByGateway = new ConcurrentHashMap<>();
  private final Millis createQuiet = new Millis();
  private final Millis createListening = new Millis();
  private final int subscriberCount;
  private final int stalledCount;
  private final List<StalledConsole> stalled = new CopyOnWriteArrayList<>();
  private final List<String> stalledFailures = new CopyOnWriteArrayList<>();
  // Every how many consoles one's deliveries go into the Gatling report (see the class comment).
  private final int reportEvery;
  private final int gateways;
  // Seconds from the simulation's start.
  private final int subscribersFrom;
  private final int connectedAt;
  private final int subscribeAt;
  private final int subscribedAt;
  private final int driveAt;
  private final int listenUntil;
  private final Map<String, List<Long>> heap = new ConcurrentHashMap<>();
  private volatile long startNanos;

  public SubscriptionFanOut() {
    run =
        LoadRun.start(
            "SubscriptionFanOut",
            Settings.defaults(120, 10, 20, 110, 100, 2, 1),
            s -> 2 * (s.desktops() / s.users() + 5));
    Settings s = run.settings();
    subscriberCount = Integer.getInteger("loadtest.subscribers", 1_000);
    stalledCount = Integer.getInteger("loadtest.stalled-consoles", 0);
    reportEvery = Math.max(1, subscriberCount / REPORTED_CONSOLES);
    gateways = s.gateways();
    int driveSeconds = (int) Math.ceil(s.desktops() / s.rate()) + 8;
    subscribersFrom = driveSeconds + 2;
    connectedAt = subscribersFrom + RAMP_SECONDS + 5;
    subscribeAt = connectedAt + 5;
    subscribedAt = subscribeAt + 5;
    driveAt = subscribedAt + 5;
    listenUntil = driveAt + driveSeconds + SETTLE_SECONDS;
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
                  int gateway = (int) (n % gateways);
                  return session
                      .set("n", n)
                      .set("engine", engine(gateway))
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
            // Everyone subscribes at the same moment, once the heap of the bare connections is
            // measured.
            .pause(session -> until(subscribeAt))
            .exec(ws("subscribe").sendText(subscribe))
            .asLongAs(session -> elapsedSeconds() < listenUntil)
            .on(pause(Duration.ofSeconds(1)).exec(ws.processUnmatchedMessages(this::deliveries)))
            .exec(ws.processUnmatchedMessages(this::deliveries))
            .exec(ws("close").close());

    ScenarioBuilder heapProbe =
        scenario("heap probe")
            .pause(session -> until(subscribersFrom - 1))
            .exec(session -> measureHeap("before the consoles connect", session))
            .pause(session -> until(connectedAt))
            .exec(session -> measureHeap("consoles connected", session))
            .pause(session -> until(subscribedAt))
            .exec(
                session -> {
                  awaitMembers();
                  return measureHeap("consoles subscribed", session);
                });

    ScenarioBuilder stalling =
        scenario("stalled consoles").pause(session -> until(subscribeAt)).exec(this::stall);

    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(ConsistencyStep.passed());
    if (!"per-subscriber".equals(System.getProperty("loadtest.engine", "grouped"))) {
      // The brief's targets: p99 ≤ 200 ms at 1,000 consoles, ≤ 1 s at 10,000.
      int targetMillis = subscriberCount > 1_000 ? 1_000 : 200;
      assertions.add(
          details(DELIVERY + " (grouped)").responseTime().percentile(99.0).lte(targetMillis));
    }
    setUp(
            driver("quiet", quietDrivers, createQuiet)
                .injectOpen(PlacementBurst.ramp(s.rate(), s.rampSeconds(), s.desktops())),
            heapProbe.injectOpen(atOnceUsers(1)),
            stalling.injectOpen(atOnceUsers(1)),
            subscriber
                .injectOpen(
                    nothingFor(subscribersFrom), rampUsers(subscriberCount).during(RAMP_SECONDS))
                .andThen(ConsistencyStep.population(run, Duration.ofMinutes(2), this::beforeCheck)),
            driver("listening", drivers, createListening)
                .injectOpen(
                    PlacementBurst.after(
                        driveAt, PlacementBurst.ramp(s.rate(), s.rampSeconds(), s.desktops()))))
        .protocols(protocol)
        .assertions(assertions);
  }

  @Override
  public void before() {
    startNanos = System.nanoTime();
  }

  private static String engine(int gateway) {
    return Harness.groupsSubscriptions(gateway + 1) ? "grouped" : "per-subscriber";
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private Duration until(int second) {
    return Duration.ofMillis(Math.max(0, (long) ((second - elapsedSeconds()) * 1000)));
  }

  /**
   * Waits (up to 60 s) until every gateway counts its consoles' subscriptions as group members, so
   * the heap is measured after the subscribes were answered rather than while they are in flight.
   */
  private void awaitMembers() {
    List<String> urls = run.harness().baseUrls();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (int g = 0; g < urls.size(); g++) {
      long expected = consolesOn(g) + (g == 0 ? (long) stalledCount * STALLED_SUBSCRIPTIONS : 0);
      while (GatewayHistograms.of(urls.get(g)).value("opencdi_graphql_subscription_members")
              < expected
          && System.nanoTime() < deadline) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The consoles the run puts on gateway {@code g} (every n-th). */
  private long consolesOn(int g) {
    return subscriberCount / gateways + (g < subscriberCount % gateways ? 1 : 0);
  }

  private Session measureHeap(String when, Session session) {
    List<Long> kib = run.liveHeapKiB();
    heap.put(when, kib);
    for (int g = 0; g < kib.size(); g++) {
      run.figure(
          "gateway-" + (g + 1) + " (" + engine(g) + ") live heap " + when + " (MiB)",
          kib.get(g) / 1024);
    }
    return session;
  }

  /**
   * Desktops of one phase: each is created, powered off after 3 s and deleted 3 s later; the
   * createDesktop response times go into {@code times}.
   */
  private ScenarioBuilder driver(String phase, AtomicLong counter, Millis times) {
    Settings s = run.settings();
    String create = "createDesktop (" + (phase.equals("quiet") ? "no listeners" : phase) + ")";
    ChainBuilder lifecycle =
        exec(http(create)
                .post("#{base}/graphql")
                .header("Authorization", "Bearer #{token}")
                .body(StringBody(this::create))
                .check(status().is(200))
                .check(responseTimeInMillis().saveAs("rt"))
                .check(jsonPath("$.data.createDesktop.id").saveAs("id")))
            .exec(
                session -> {
                  if (session.contains("rt")) {
                    times.record(session.getInt("rt"));
                  }
                  String requestId = session.getString("requestId");
                  if (session.contains("id")) {
                    run.ledger()
                        .created(requestId, session.getString("owner"), session.getString("id"));
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
                    .exec(byId("deleteDesktop", "DeleteDesktop")));
    return scenario("state changes, " + phase)
        .exec(
            session -> {
              long i = counter.getAndIncrement();
              List<String> users = run.harness().usernames();
              String owner = users.get((int) (i % users.size()));
              return session
                  .set("i", i)
                  .set("owner", owner)
                  .set("requestId", "fan-" + phase + "-" + i)
                  .set("base", run.baseUrl(run.next()))
                  .set("token", run.harness().token(owner));
            })
        .doIf(session -> session.getLong("i") < s.desktops())
        .then(lifecycle);
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
    String engine = session.getString("engine");
    String name = DELIVERY + " (" + engine + ")";
    Millis delays = delivery.computeIfAbsent(engine, e -> new Millis());
    boolean reported = session.getLong("n") % reportEvery == 0;
    Millis byGateway =
        stalledCount == 0
            ? null
            : deliveryByGateway.computeIfAbsent(
                (int) (session.getLong("n") % gateways), g -> new Millis());
    for (WsInboundMessage m : messages) {
      if (!(m instanceof WsInboundMessage.Text text)) {
        continue;
      }
      long sentAt = EventFrames.sentAt(text.message());
      if (sentAt >= 0) {
        delivered(sentAt, m.timestamp(), name, delays, byGateway, count, reported);
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
                name,
                m.timestamp(),
                m.timestamp(),
                false,
                Gql.abbreviate(payload.toString()));
            continue;
          }
          String at = payload.path("data").path("desktopEvents").path("at").asText();
          long sent = OffsetDateTime.parse(at).toInstant().toEpochMilli();
          delivered(sent, m.timestamp(), name, delays, byGateway, count, reported);
        }
        case "error", "complete" -> {
          errors.increment();
          stats.record(
              "subscriber",
              name,
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

  /**
   * One event received at {@code receivedAt}: counted for its console and in the delays; in the
   * Gatling report too when the console is one of those {@code reported}; in {@code byGateway} too
   * unless null.
   */
  private void delivered(
      long sentAt,
      long receivedAt,
      String name,
      Millis delays,
      Millis byGateway,
      LongAdder count,
      boolean reported) {
    long end = Math.max(sentAt, receivedAt);
    if (reported) {
      stats.record("subscriber", name, sentAt, end, true, null);
    }
    delays.record(end - sentAt);
    if (byGateway != null) {
      byGateway.record(end - sentAt);
    }
    count.increment();
  }

  private void beforeCheck() {
    long min = received.values().stream().mapToLong(LongAdder::sum).min().orElse(0);
    long max = received.values().stream().mapToLong(LongAdder::sum).max().orElse(0);
    long total = received.values().stream().mapToLong(LongAdder::sum).sum();
    run.figure("engine (-Dloadtest.engine)", System.getProperty("loadtest.engine", "grouped"));
    run.figure("subscribers", received.size());
    run.figure("events received per subscriber (min-max)", min + "-" + max);
    run.figure("every subscriber received every event", min == max && max > 0);
    run.figure("events delivered in all", total);
    run.figure("subscription errors", errors.sum());
    delivery.forEach(
        (engine, h) ->
            run.figure(
                "delivery delay, " + engine + " (ms): p50 / p99 / max",
                h.percentile(50) + " / " + h.percentile(99) + " / " + h.max()));
    long quiet = createQuiet.percentile(99);
    long listening = createListening.percentile(99);
    run.figure("createDesktop p99, no listeners (ms)", quiet);
    run.figure("createDesktop p99, consoles listening (ms)", listening);
    double ratio = quiet == 0 ? 0 : (double) listening / quiet;
    run.figure(
        "createDesktop p99 listening / no listeners", String.format(Locale.ROOT, "%.2f", ratio));
    heapPer();
    gatewayDelays();
    stalledEndings();
    if (received.isEmpty() || max == 0) {
      run.fail("no subscriber received any event");
    } else if (min != max) {
      run.fail("some subscribers missed events: received between " + min + " and " + max);
    }
    if (ratio > 2) {
      run.fail("createDesktop p99 with consoles listening is more than twice its value without");
    }
  }

  /**
   * Where the delivery delay built up inside each gateway, from its own timers (bucket bounds, so
   * "at most"): an event's wait for the fan-out thread, then each message's way from the hand-out
   * to the kernel. What the consoles saw beyond both built up in the kernel's buffers or the
   * clients.
   */
  private void gatewayDelays() {
    List<String> urls = run.harness().baseUrls();
    for (int g = 0; g < urls.size(); g++) {
      GatewayHistograms h = GatewayHistograms.of(urls.get(g));
      String gateway = "gateway-" + (g + 1) + " (" + engine(g) + ")";
      run.figure(
          gateway + " event's wait for the fan-out thread (ms): p50 / p99 at most",
          millis(h, "opencdi_graphql_subscription_handout_wait_seconds"));
      run.figure(
          gateway + " message from hand-out to socket (ms): p50 / p99 at most",
          millis(h, "opencdi_graphql_subscription_written_seconds"));
      double writes = h.value("opencdi_graphql_websocket_writes_total");
      run.figure(
          gateway + " messages per socket write",
          writes == 0
              ? "-"
              : String.format(
                  Locale.ROOT,
                  "%.2f",
                  h.count("opencdi_graphql_subscription_written_seconds") / writes));
    }
  }

  /** Connects the stalled consoles to the first gateway; they subscribe with the others. */
  private Session stall(Session session) {
    String ws = run.baseUrl(0).replace("http://", "ws://") + "/graphql";
    String document = run.harness().operations().document("desktops");
    for (int i = 0; i < stalledCount; i++) {
      StalledConsole.subscribe(
              ws, run.harness().adminToken(), document, "DesktopEvents", STALLED_SUBSCRIPTIONS)
          .whenComplete(
              (console, error) -> {
                if (error != null) {
                  stalledFailures.add(String.valueOf(error));
                } else {
                  stalled.add(console);
                }
              });
    }
    return session;
  }

  /**
   * How the stalled consoles ended, what the first gateway held for one connection at most and how
   * many it gave up on; the delivery delay per gateway beside them. The run fails unless the
   * gateway closed every stalled console as slow without holding more than its bound for it.
   */
  private void stalledEndings() {
    if (stalledCount == 0) {
      return;
    }
    run.figure("stalled consoles (on gateway-1)", stalledCount + " x " + STALLED_SUBSCRIPTIONS);
    for (int i = 0; i < stalled.size(); i++) {
      run.figure("stalled console " + (i + 1), stalled.get(i).readToEnd(Duration.ofSeconds(30)));
    }
    stalledFailures.forEach(f -> run.figure("stalled console not subscribed", f));
    GatewayHistograms gateway = GatewayHistograms.of(run.harness().baseUrls().get(0));
    double closed = gateway.value("opencdi_graphql_websocket_slow_closed_total");
    double reset = gateway.value("opencdi_graphql_websocket_slow_reset_total");
    double queuedMax = gateway.value("opencdi_graphql_websocket_queued_max_bytes");
    run.figure(
        "gateway-1 connections closed as slow (4503) / reset after the grace",
        closed + " / " + reset);
    run.figure("gateway-1 most bytes held for one connection", (long) queuedMax);
    deliveryByGateway.forEach(
        (g, h) ->
            run.figure(
                "delivery delay, gateway-"
                    + (g + 1)
                    + (g == 0 ? " (beside the stalled consoles)" : " (none stalled)")
                    + " (ms): p50 / p99 / max",
                h.percentile(50) + " / " + h.percentile(99) + " / " + h.max()));
    if (stalled.size() < stalledCount) {
      run.fail("only " + stalled.size() + " of " + stalledCount + " stalled consoles subscribed");
    } else if (closed < stalledCount) {
      run.fail("gateway-1 closed " + closed + " connections as slow, not " + stalledCount);
    } else if (queuedMax > DEFAULT_MAX_QUEUED_BYTES) {
      run.fail("gateway-1 held " + (long) queuedMax + " bytes for one connection");
    }
  }

  private static String millis(GatewayHistograms h, String name) {
    return String.format(
        Locale.ROOT,
        "%.0f / %.0f (of %d)",
        h.quantile(name, 0.5) * 1000,
        h.quantile(name, 0.99) * 1000,
        h.count(name));
  }

  /** Heap per connection and per subscription on each gateway, from the three measurements. */
  private void heapPer() {
    List<Long> before = heap.get("before the consoles connect");
    List<Long> connected = heap.get("consoles connected");
    List<Long> subscribed = heap.get("consoles subscribed");
    if (before == null || connected == null || subscribed == null) {
      return;
    }
    for (int g = 0; g < before.size(); g++) {
      long consoles = consolesOn(g);
      if (consoles == 0) {
        continue;
      }
      String gateway = "gateway-" + (g + 1) + " (" + engine(g) + ")";
      run.figure(
          gateway + " heap per connection (KiB)",
          String.format(
              Locale.ROOT, "%.1f", (connected.get(g) - before.get(g)) / (double) consoles));
      run.figure(
          gateway + " heap per subscription (KiB)",
          String.format(
              Locale.ROOT, "%.1f", (subscribed.get(g) - connected.get(g)) / (double) consoles));
    }
  }

  @Override
  public void after() {
    run.close();
  }
}
