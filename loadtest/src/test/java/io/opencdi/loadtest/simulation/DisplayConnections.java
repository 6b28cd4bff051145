package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Fleet;
import io.opencdi.loadtest.harness.Settings;
import io.opencdi.loadtest.harness.VncServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Display connections: {@code desktops} users each launch a desktop, take a display ticket and hold
 * a brokered display connection open — browser WebSocket to the gateway, the agent's tunnel back to
 * it, and on to a real VNC server — for {@code loadtest.holdSeconds} (default 60 s). The simulated
 * desktops show real TigerVNC servers (Xvnc, shared), so every connection speaks real RFB through
 * the broker: version, security type None, ClientInit, ServerInit, and a 64 × 64 framebuffer
 * update. When every connection is open, the gateways' live heap is recorded. Gatling reports the
 * time to each step, e.g. {@value #FIRST_FRAME} from the request to the pixels.
 *
 * <p>Defaults: 500 connections opened at 10 per second on 10 clusters × 20 nodes, 100 users.
 */
public class DisplayConnections extends Simulation {
  static final String FIRST_FRAME = "first framebuffer update";
  private static final int VIEWERS_PER_XVNC = 900;
  private static final byte[] VERSION = "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII);

  private final AtomicLong users = new AtomicLong();
  private final AtomicLong stuck = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong settled = new AtomicLong();
  private volatile long arrivalEndNanos;
  private final List<VncServer> vncs = new CopyOnWriteArrayList<>();
  private final LoadRun run;
  private final List<Long> gatewayHeapBefore;
  private final long agentHeapBefore;

  public DisplayConnections() {
    run =
        LoadRun.start(
            "DisplayConnections",
            Settings.defaults(500, 10, 20, 110, 100, 10, 10),
            s -> s.desktops() / s.users() + 5,
            this::sharedDisplay);
    Settings s = run.settings();
    // The live heaps before any viewer, so that what each open connection holds can be told.
    gatewayHeapBefore = run.liveHeapKiB();
    agentHeapBefore = run.agentLiveHeapKiB();
    int holdSeconds = Integer.getInteger("loadtest.holdSeconds", 60);
    arrivalEndNanos =
        System.nanoTime() + (long) ((s.rampSeconds() + s.desktops() / s.rate() + 5) * 1e9);
    var protocol =
        http.contentTypeHeader("application/json")
            .acceptHeader("application/json")
            .shareConnections();

    ScenarioBuilder viewer =
        scenario("viewer")
            .exec(this::begin)
            .exec(
                graphql("createDesktop", "desktops", "CreateDesktop")
                    .check(jsonPath("$.data.createDesktop.id").saveAs("id")))
            .exec(this::recordCreated)
            .exec(DesktopWaits.awaitState(run, "RUNNING", stuck))
            .doIf(session -> "RUNNING".equals(session.getString("state")))
            .then(
                exec(graphql("connectDesktop", "connect", "ConnectDesktop")
                        .check(jsonPath("$.data.connectDesktop.url").saveAs("url")))
                    .exec(
                        ws("display")
                            .connect("#{url}")
                            .subprotocol("binary")
                            .await(Duration.ofSeconds(30))
                            .on(
                                ws.checkBinaryMessage("greeting")
                                    .check(bodyBytes().transform(b -> ascii(b, 4)).is("RFB "))))
                    .exec(
                        ws("security types")
                            .sendBytes(VERSION)
                            .await(Duration.ofSeconds(30))
                            .on(
                                ws.checkBinaryMessage("types")
                                    .check(bodyBytes().transform(b -> (int) b[0]).gte(1))))
                    .exec(
                        ws("security result")
                            .sendBytes(new byte[] {1})
                            .await(Duration.ofSeconds(30))
                            .on(
                                ws.checkBinaryMessage("ok")
                                    .check(
                                        bodyBytes()
                                            .transform(b -> ByteBuffer.wrap(b).getInt())
                                            .is(0))))
                    .exec(
                        ws("ServerInit")
                            .sendBytes(new byte[] {1}) // shared
                            .await(Duration.ofSeconds(30))
                            .on(
                                ws.checkBinaryMessage("init")
                                    .check(
                                        bodyBytes()
                                            .transform(b -> ByteBuffer.wrap(b).getShort() & 0xffff)
                                            .gt(0))))
                    .exec(
                        ws(FIRST_FRAME)
                            .sendBytes(updateRequest())
                            .await(Duration.ofSeconds(30))
                            .on(
                                ws.checkBinaryMessage("update")
                                    .check(bodyBytes().transform(b -> (int) b[0]).is(0))))
                    .exec(this::opened))
            .exec(this::settled)
            // Hold until every viewer has its connection (or has failed), then a while longer:
            // the heap probe measures the gateways with all of them open at once.
            .asLongAs(session -> !allSettled())
            .on(pause(Duration.ofSeconds(1)))
            .pause(Duration.ofSeconds(holdSeconds))
            .doIf(session -> session.contains("open"))
            .then(exec(ws("close").close()).exec(this::closed));

    ScenarioBuilder probe =
        scenario("heap probe")
            .asLongAs(session -> !allSettled())
            .on(pause(Duration.ofSeconds(1)))
            .pause(Duration.ofSeconds(Math.min(10, holdSeconds / 2)))
            .exec(
                session -> {
                  long opened = open.get();
                  run.figure("display connections open at the heap probe", opened);
                  run.recordHeap("with the display connections open");
                  perConnection(opened);
                  run.cpuPercent(Duration.ofSeconds(5))
                      .forEach(
                          (name, percent) ->
                              run.figure(
                                  name + " CPU with the connections open and idle (% of a core)",
                                  String.format(java.util.Locale.ROOT, "%.1f", percent)));
                  return session;
                });

    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(ConsistencyStep.passed());
    setUp(
            viewer
                .injectOpen(PlacementBurst.ramp(s.rate(), s.rampSeconds(), s.desktops()))
                .andThen(ConsistencyStep.population(run, Duration.ofMinutes(2), this::beforeCheck)),
            probe.injectOpen(atOnceUsers(1)))
        .protocols(protocol)
        .assertions(assertions);
  }

  /**
   * Starts the shared VNC servers and points each simulated cluster's desktops at one. TigerVNC's
   * Xvnc aborts past about 1,000 connections (its socket writes wait with select(), whose set holds
   * descriptors below 1,024), so there is one server for every {@value #VIEWERS_PER_XVNC} viewers,
   * the clusters shared among them in turn; placement spreads the desktops over the clusters.
   */
  private Map<String, String> sharedDisplay(Settings s) {
    List<String> clusters = Fleet.clusterNames(s);
    int servers =
        Math.max(1, Math.min(clusters.size(), -Math.floorDiv(-s.desktops(), VIEWERS_PER_XVNC)));
    for (int i = 0; i < servers; i++) {
      vncs.add(VncServer.start(s.runDir().resolve("xvnc-" + (i + 1) + ".log")));
    }
    Map<String, String> config = new LinkedHashMap<>();
    for (int i = 0; i < clusters.size(); i++) {
      config.put(
          "opencdi.agent.simulated.shared-displays." + clusters.get(i),
          "127.0.0.1:" + vncs.get(i % servers).port());
    }
    return config;
  }

  /** What each open connection holds of the gateways' and the agent's live heap, in KiB. */
  private void perConnection(long opened) {
    if (opened == 0) {
      return;
    }
    List<Long> gateways = run.liveHeapKiB();
    long gatewayGrowth = 0;
    for (int g = 0; g < gateways.size(); g++) {
      gatewayGrowth += gateways.get(g) - gatewayHeapBefore.get(g);
    }
    long agentGrowth = run.agentLiveHeapKiB() - agentHeapBefore;
    run.figure(
        "live heap per open display connection (KiB): gateways / agent",
        String.format(
            java.util.Locale.ROOT,
            "%.1f / %.1f",
            (double) gatewayGrowth / opened,
            (double) agentGrowth / opened));
  }

  private Session begin(Session session) {
    long i = users.getAndIncrement();
    List<String> names = run.harness().usernames();
    String owner = names.get((int) (i % names.size()));
    return session
        .set("i", i)
        .set("owner", owner)
        .set("requestId", "display-" + i)
        .set("base", run.baseUrl(run.next()))
        .set("token", run.harness().token(owner));
  }

  private io.gatling.javaapi.http.HttpRequestActionBuilder graphql(
      String name, String document, String operation) {
    return http(name)
        .post("#{base}/graphql")
        .header("Authorization", "Bearer #{token}")
        .body(
            StringBody(
                session -> {
                  Map<String, Object> vars =
                      operation.equals("CreateDesktop")
                          ? Map.of(
                              "input",
                              Map.of(
                                  "templateId", run.harness().templateId(),
                                  "requestId", session.getString("requestId"),
                                  "name", "display-" + session.getLong("i")))
                          : Map.of("id", session.getString("id"));
                  return Gql.body(run.harness().operations(), document, operation, vars);
                }))
        .check(status().is(200))
        .check(jsonPath("$.errors").notExists());
  }

  private Session recordCreated(Session session) {
    String requestId = session.getString("requestId");
    if (session.contains("id")) {
      run.ledger().created(requestId, session.getString("owner"), session.getString("id"));
    } else if (!run.ledger().has(requestId)) {
      run.ledger().unknown(requestId, session.getString("owner"), "no desktop in the answer");
    }
    return session;
  }

  private Session opened(Session session) {
    if (session.isFailed()) {
      return session; // a step of the handshake failed: Gatling has counted it
    }
    long now = open.incrementAndGet();
    peak.accumulateAndGet(now, Math::max);
    return session.set("open", true);
  }

  /** A viewer whose connection is open, or who will not get one: either way it counts once. */
  private Session settled(Session session) {
    settled.incrementAndGet();
    return session;
  }

  /**
   * Every viewer has arrived and has its connection open or has given up — or ten minutes have
   * passed since the last arrival, so that a stuck viewer cannot hold the run forever.
   */
  private boolean allSettled() {
    long now = System.nanoTime();
    return now > arrivalEndNanos
        && (settled.get() >= users.get() || now > arrivalEndNanos + 600_000_000_000L);
  }

  private Session closed(Session session) {
    open.decrementAndGet();
    return session;
  }

  private void beforeCheck() {
    run.figure("viewers started", users.get());
    run.figure("display connections open at most at once", peak.get());
    run.figure("desktops that did not reach RUNNING within 60 s", stuck.get());
    if (peak.get() == 0) {
      run.fail("no display connection got a framebuffer update");
    }
    if (stuck.get() > 0) {
      run.fail(stuck.get() + " desktops did not reach RUNNING within 60 s");
    }
  }

  /** FramebufferUpdateRequest, not incremental, for the top-left 64 × 64 pixels. */
  private static byte[] updateRequest() {
    return ByteBuffer.allocate(10)
        .put((byte) 3)
        .put((byte) 0)
        .putShort((short) 0)
        .putShort((short) 0)
        .putShort((short) 64)
        .putShort((short) 64)
        .array();
  }

  private static String ascii(byte[] bytes, int length) {
    return new String(bytes, 0, Math.min(length, bytes.length), StandardCharsets.US_ASCII);
  }

  @Override
  public void after() {
    run.close();
    vncs.forEach(VncServer::close);
  }
}
