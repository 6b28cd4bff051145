package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lifecycle mix: users arrive at a steady rate and each takes one desktop through its life like a
 * person would: create it, wait until it runs, get a display ticket, work a little, power it off,
 * power it on again, work, delete it. Waiting is polling the {@code Desktop} query, as the web UI's
 * fallback does.
 *
 * <p>Defaults: 1,000 lifecycles arriving at 10 per second on 10 clusters × 20 nodes, 200 users.
 */
public class LifecycleMix extends Simulation {
  private static final List<String> MUTATIONS =
      List.of("createDesktop", "connectDesktop", "stopDesktop", "startDesktop", "deleteDesktop");

  private final LoadRun run;
  private final AtomicLong lifecycles = new AtomicLong();
  private final AtomicLong stuck = new AtomicLong();

  public LifecycleMix() {
    run =
        LoadRun.start(
            "LifecycleMix",
            Settings.defaults(1_000, 10, 20, 110, 200, 10, 5),
            s -> s.desktops() / s.users() + 5);
    Settings s = run.settings();
    var protocol =
        http.contentTypeHeader("application/json")
            .acceptHeader("application/json")
            .shareConnections();

    ScenarioBuilder scn =
        scenario("lifecycle")
            .exec(this::begin)
            .exec(
                mutation("createDesktop", "CreateDesktop")
                    .check(jsonPath("$.data.createDesktop.id").saveAs("id")))
            .exec(this::recordCreated)
            .exec(awaitState("RUNNING"))
            // A ticket for the display, as the portal's Connect button asks for one.
            .exec(
                mutation("connectDesktop", "ConnectDesktop")
                    .check(jsonPath("$.data.connectDesktop.url").exists()))
            .pause(Duration.ofSeconds(1), Duration.ofSeconds(3))
            .exec(mutation("stopDesktop", "StopDesktop"))
            .exec(awaitState("STOPPED"))
            .exec(mutation("startDesktop", "StartDesktop"))
            .exec(awaitState("RUNNING"))
            .pause(Duration.ofSeconds(1), Duration.ofSeconds(3))
            .exec(mutation("deleteDesktop", "DeleteDesktop"))
            .exec(awaitState("DELETED"));

    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(ConsistencyStep.passed());
    for (String m : MUTATIONS) {
      // The brief's latency target for placements through GraphQL + PostgreSQL.
      assertions.add(details(m).responseTime().percentile(99.0).lte(100));
    }
    setUp(
            scn.injectOpen(PlacementBurst.ramp(s.rate(), s.rampSeconds(), s.desktops()))
                .andThen(ConsistencyStep.population(run, Duration.ofMinutes(3), this::beforeCheck)))
        .protocols(protocol)
        .assertions(assertions);
  }

  private Session begin(Session session) {
    long i = lifecycles.getAndIncrement();
    long n = run.next();
    List<String> users = run.harness().usernames();
    String owner = users.get((int) (i % users.size()));
    return session
        .set("i", i)
        .set("owner", owner)
        .set("requestId", "life-" + i)
        .set("base", run.baseUrl(n))
        .set("token", run.harness().token(owner));
  }

  private HttpRequestActionBuilder mutation(String name, String operation) {
    return http(name)
        .post("#{base}/graphql")
        .header("Authorization", "Bearer #{token}")
        .body(StringBody(session -> body(operation, session)))
        .check(status().is(200))
        .check(jsonPath("$.errors").notExists());
  }

  private String body(String operation, Session session) {
    Map<String, Object> vars = new LinkedHashMap<>();
    if (operation.equals("CreateDesktop")) {
      vars.put(
          "input",
          Map.of(
              "templateId", run.harness().templateId(),
              "requestId", session.getString("requestId"),
              "name", "life-" + session.getLong("i")));
    } else {
      vars.put("id", session.getString("id"));
    }
    String document = operation.equals("ConnectDesktop") ? "connect" : "desktops";
    return Gql.body(run.harness().operations(), document, operation, vars);
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

  private ChainBuilder awaitState(String state) {
    return DesktopWaits.awaitState(run, state, stuck);
  }

  private void beforeCheck() {
    run.figure("lifecycles started", lifecycles.get());
    run.figure("desktops created", run.ledger().created());
    run.figure("waits for a state that timed out (60 s)", stuck.get());
    if (stuck.get() > 0) {
      run.fail(stuck.get() + " desktops did not reach the awaited state within 60 s");
    }
  }

  @Override
  public void after() {
    run.close();
  }
}
