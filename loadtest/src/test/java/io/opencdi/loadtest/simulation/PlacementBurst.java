package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Fleet;
import io.opencdi.loadtest.harness.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Placement burst: {@code desktops} desktops created one per request through {@code createDesktop}
 * by many users, with an open injection ramping up to the target rate; then as many again through
 * bulk {@code createDesktops} requests of 500 owners each (admin). Answers other than a desktop or
 * {@code UNSCHEDULABLE} fail; the consistency check runs at the end.
 *
 * <p>Defaults: 50,000 desktops on 100 simulated clusters × 200 nodes in four regions, 1,000 users,
 * ramping to 1,000 requests per second over 10 s. Override with {@code -Dloadtest.desktops=…} etc.
 * (see {@link Settings}).
 */
public class PlacementBurst extends Simulation {
  static final int BULK_SIZE = 500;

  private final LoadRun run;
  private final AtomicLong singles = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();

  /** Defaults of this simulation (the smoke version has its own). */
  protected Settings defaults() {
    return Settings.defaults(50_000, 100, 200, 110, 1_000, 1_000, 10);
  }

  /** Whether the brief's performance targets are asserted (not in the CI smoke run). */
  protected boolean assertTargets() {
    return true;
  }

  public PlacementBurst() {
    String name = getClass().getSimpleName();
    Settings d = defaults();
    run = LoadRun.start(name, d, s -> (2 * s.desktops() + s.users() - 1) / s.users() + 5);
    Settings s = run.settings();
    int n = s.desktops();
    int bulkRequests = (n + BULK_SIZE - 1) / BULK_SIZE;

    HttpProtocolBuilder protocol =
        http.contentTypeHeader("application/json")
            .acceptHeader("application/json")
            // A load balancer keeps pooled connections to the gateways.
            .shareConnections();

    ScenarioBuilder single =
        scenario("createDesktop")
            .exec(this::nextSingle)
            .doIf(session -> session.getLong("i") < n)
            .then(
                exec(http("createDesktop")
                        .post("#{base}/graphql")
                        .header("Authorization", "Bearer #{token}")
                        .body(StringBody("#{body}"))
                        .check(status().is(200))
                        .check(
                            bodyString()
                                .validate("a desktop or UNSCHEDULABLE", this::recordSingle)))
                    .exec(this::recordUnknown));

    ScenarioBuilder bulk =
        scenario("createDesktops")
            .exec(this::nextBatch)
            .doIf(session -> session.getLong("j") < bulkRequests)
            .then(
                exec(http("createDesktops (" + BULK_SIZE + ")")
                        .post("#{base}/graphql")
                        .header("Authorization", "Bearer #{token}")
                        .body(StringBody("#{body}"))
                        .requestTimeout(Duration.ofMinutes(2))
                        .check(status().is(200))
                        .check(
                            bodyString().validate("desktops or UNSCHEDULABLE", this::recordBulk)))
                    .exec(this::recordUnknownBatch));

    PopulationBuilder population =
        single
            .injectOpen(ramp(s.rate(), s.rampSeconds(), n))
            .andThen(
                bulk.injectOpen(ramp(Math.max(s.rate() / BULK_SIZE, 0.2), 1, bulkRequests))
                    .andThen(
                        ConsistencyStep.population(run, Duration.ofMinutes(5), this::beforeCheck)));

    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(ConsistencyStep.passed());
    if (assertTargets()) {
      // The brief: placements through GraphQL + PostgreSQL >= 1,000/s sustained, p99 <= 100 ms.
      // The mean includes the ramp, which alone costs rate × ramp / 2 requests' worth of time.
      assertions.add(details("createDesktop").responseTime().percentile(99.0).lte(100));
      assertions.add(details("createDesktop").requestsPerSec().gte(0.9 * s.rate()));
    }
    setUp(population).protocols(protocol).assertions(assertions);
  }

  /**
   * An open injection that ramps from 1 to {@code rate} arrivals per second over {@code ramp}
   * seconds and holds the rate until at least {@code total} users have arrived (users beyond {@code
   * total} do nothing).
   */
  static OpenInjectionStep[] ramp(double rate, int rampSeconds, long total) {
    double rampUsers = (1 + rate) / 2 * rampSeconds;
    long hold = (long) Math.ceil(Math.max(0, total - rampUsers) / rate) + 1;
    return new OpenInjectionStep[] {
      rampUsersPerSec(1).to(rate).during(rampSeconds), constantUsersPerSec(rate).during(hold)
    };
  }

  /** {@code steps}, starting after {@code seconds} of nothing. */
  static OpenInjectionStep[] after(int seconds, OpenInjectionStep... steps) {
    OpenInjectionStep[] all = new OpenInjectionStep[steps.length + 1];
    all[0] = nothingFor(seconds);
    System.arraycopy(steps, 0, all, 1, steps.length);
    return all;
  }

  private Session nextSingle(Session session) {
    long i = singles.getAndIncrement();
    long n = run.next();
    List<String> users = run.harness().usernames();
    String owner = users.get((int) (i % users.size()));
    String requestId = "burst-" + i;
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("templateId", run.harness().templateId());
    input.put("requestId", requestId);
    input.put("region", Fleet.REGIONS.get((int) (i % Fleet.REGIONS.size())));
    return session
        .set("i", i)
        .set("owner", owner)
        .set("requestId", requestId)
        .set("base", run.baseUrl(n))
        .set("token", run.harness().token(owner))
        .set(
            "body",
            Gql.body(
                run.harness().operations(), "desktops", "CreateDesktop", Map.of("input", input)));
  }

  private String recordSingle(String body, Session session) {
    JsonNode answer = Gql.read(body);
    String requestId = session.getString("requestId");
    String owner = session.getString("owner");
    String code = Gql.errorCode(answer);
    if (code == null) {
      run.ledger()
          .created(requestId, owner, answer.path("data").path("createDesktop").path("id").asText());
      return body;
    }
    run.ledger().refused(requestId, owner, code, Gql.errorMessage(answer));
    if (!code.equals("UNSCHEDULABLE")) {
      throw new IllegalStateException(code + ": " + Gql.errorMessage(answer));
    }
    return body;
  }

  private Session recordUnknown(Session session) {
    String requestId = session.getString("requestId");
    if (!run.ledger().has(requestId)) {
      run.ledger().unknown(requestId, session.getString("owner"), "no answer");
    }
    return session;
  }

  private Session nextBatch(Session session) {
    long j = batches.getAndIncrement();
    long n = run.next();
    List<String> users = run.harness().usernames();
    List<String> owners = new ArrayList<>(BULK_SIZE);
    int size = (int) Math.min(BULK_SIZE, run.settings().desktops() - j * BULK_SIZE);
    for (int k = 0; k < Math.max(size, 0); k++) {
      owners.add(users.get((int) ((j * BULK_SIZE + k) % users.size())));
    }
    String requestId = "bulk-" + j;
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("templateId", run.harness().templateId());
    input.put("requestId", requestId);
    input.put("owners", owners);
    input.put("namePrefix", "class-" + j);
    return session
        .set("j", j)
        .set("owners", owners)
        .set("requestId", requestId)
        .set("base", run.baseUrl(n))
        .set("token", run.harness().adminToken())
        .set(
            "body",
            Gql.body(
                run.harness().operations(), "desktops", "CreateDesktops", Map.of("input", input)));
  }

  private String recordBulk(String body, Session session) {
    JsonNode answer = Gql.read(body);
    String requestId = session.getString("requestId");
    List<String> owners = session.getList("owners");
    String code = Gql.errorCode(answer);
    if (code == null) {
      JsonNode desktops = answer.path("data").path("createDesktops");
      if (desktops.size() != owners.size()) {
        throw new IllegalStateException(
            "asked for " + owners.size() + " desktops, got " + desktops.size());
      }
      for (int k = 0; k < owners.size(); k++) {
        run.ledger()
            .created(requestId + "#" + k, owners.get(k), desktops.get(k).path("id").asText());
      }
      return body;
    }
    for (int k = 0; k < owners.size(); k++) {
      run.ledger().refused(requestId + "#" + k, owners.get(k), code, Gql.errorMessage(answer));
    }
    if (!code.equals("UNSCHEDULABLE")) {
      throw new IllegalStateException(code + ": " + Gql.errorMessage(answer));
    }
    return body;
  }

  private Session recordUnknownBatch(Session session) {
    String requestId = session.getString("requestId");
    List<String> owners = session.getList("owners");
    for (int k = 0; k < owners.size(); k++) {
      if (!run.ledger().has(requestId + "#" + k)) {
        run.ledger().unknown(requestId + "#" + k, owners.get(k), "no answer");
      }
    }
    return session;
  }

  /**
   * Expectations on the answers. With room for every desktop of the run, any UNSCHEDULABLE is a
   * wrong answer: placement refused a desktop the fleet could hold.
   */
  protected void expect(LoadRun run) {
    long refused = run.ledger().refusals().getOrDefault("UNSCHEDULABLE", 0L);
    if (2L * run.settings().desktops() <= run.settings().fleetSlots() && refused > 0) {
      run.fail(
          refused
              + " desktops were refused as UNSCHEDULABLE although the fleet had room for all; e.g. "
              + run.ledger().refusalExamples().get("UNSCHEDULABLE"));
    }
  }

  private void beforeCheck() {
    run.figure("requests answered with desktops", run.ledger().created());
    run.figure("refusals by code", run.ledger().refusals());
    run.figure("a refusal of each code", run.ledger().refusalExamples());
    expect(run);
  }

  @Override
  public void after() {
    run.close();
  }
}
