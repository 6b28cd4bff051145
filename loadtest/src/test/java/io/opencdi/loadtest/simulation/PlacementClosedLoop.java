package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Fleet;
import io.opencdi.loadtest.harness.JavaProcess;
import io.opencdi.loadtest.harness.Settings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed loop, three phases on one server in one run: {@code concurrency} clients (32) each send
 * their next request as soon as the last one is answered, for {@code holdSeconds} (30) per phase:
 * first {@code GET /q/health/live}, then the GraphQL query {@code { __typename }}, then {@code
 * createDesktop}; before them, {@code warmUpSeconds} (15) of creations that are not counted let the
 * gateway's JIT compile the path. The summary puts the three rates side by side, so what placement
 * costs is read against what the same server answers without it, and the gateway's CPU time per
 * created desktop (while the requests ran, and until every desktop had settled, agent reports
 * included).
 *
 * <p>A closed loop never has more than {@code concurrency} requests in flight, so it measures the
 * server's throughput without the open model's queueing; {@code placement-burst} measures the
 * latency at an offered rate.
 */
public class PlacementClosedLoop extends Simulation {
  private final LoadRun run;
  private final int concurrency = Integer.getInteger("loadtest.concurrency", 32);
  private final Duration hold = Duration.ofSeconds(Integer.getInteger("loadtest.holdSeconds", 30));
  private final Phase health = new Phase("GET /q/health/live");
  private final Phase typename = new Phase("{ __typename }");
  private final Phase create = new Phase("createDesktop");
  private final Phase warmUp = new Phase("createDesktop (warm-up, not counted)");
  private final Duration warmUpTime =
      Duration.ofSeconds(Integer.getInteger("loadtest.warmUpSeconds", 15));
  private volatile long createCpuStartNanos = -1;

  public PlacementClosedLoop() {
    // The fleet has room for everything a minute of the goal's rate could create.
    run =
        LoadRun.start(
            "PlacementClosedLoop",
            Settings.defaults(60_000, 100, 200, 110, 1_000, 1_000, 1),
            s -> (s.desktops() + s.users() - 1) / s.users() + 5);
    if (run.settings().gateways() != 1) {
      throw new IllegalArgumentException("the closed loop measures one gateway");
    }
    HttpProtocolBuilder protocol =
        http.contentTypeHeader("application/json")
            .acceptHeader("application/json")
            .shareConnections()
            .maxConnectionsPerHost(concurrency);
    String base = run.baseUrl(0);
    String typenameBody = Gql.write(Map.of("query", "{ __typename }"));

    ScenarioBuilder healthLoop =
        scenario(health.name)
            .exec(health.begin())
            .exec(http(health.name).get(base + "/q/health/live").check(status().is(200)))
            .exec(health.end());
    ScenarioBuilder typenameLoop =
        scenario(typename.name)
            .exec(typename.begin())
            .exec(session -> session.set("token", run.harness().adminToken()))
            .exec(
                http(typename.name)
                    .post(base + "/graphql")
                    .header("Authorization", "Bearer #{token}")
                    .body(StringBody(typenameBody))
                    .check(status().is(200))
                    .check(jsonPath("$.data.__typename").is("Query")))
            .exec(typename.end());
    ScenarioBuilder warmUpLoop = creations(warmUp, base, false);
    ScenarioBuilder createLoop = creations(create, base, true);

    PopulationBuilder population =
        warmUpLoop
            .injectClosed(constantConcurrentUsers(concurrency).during(warmUpTime))
            .andThen(
                healthLoop
                    .injectClosed(constantConcurrentUsers(concurrency).during(hold))
                    .andThen(
                        typenameLoop
                            .injectClosed(constantConcurrentUsers(concurrency).during(hold))
                            .andThen(
                                createLoop
                                    .injectClosed(constantConcurrentUsers(concurrency).during(hold))
                                    .andThen(
                                        ConsistencyStep.population(
                                            run, Duration.ofMinutes(5), this::beforeCheck)))));
    setUp(population)
        .protocols(protocol)
        .assertions(global().failedRequests().count().is(0L), ConsistencyStep.passed());
  }

  /** A loop of creations; {@code measured} ones also start the count of the gateway's CPU. */
  private ScenarioBuilder creations(Phase phase, String base, boolean measured) {
    return scenario(phase.name)
        .exec(
            session -> {
              if (measured && createCpuStartNanos < 0) {
                createCpuStartNanos = gatewayCpuNanos();
              }
              return session;
            })
        .exec(phase.begin())
        .exec(this::nextCreation)
        .exec(
            http(phase.name)
                .post(base + "/graphql")
                .header("Authorization", "Bearer #{token}")
                .body(StringBody("#{body}"))
                .check(status().is(200))
                .check(bodyString().validate("a desktop", this::recordCreation)))
        .exec(phase.end());
  }

  private Session nextCreation(Session session) {
    long i = run.next();
    List<String> users = run.harness().usernames();
    String owner = users.get((int) (i % users.size()));
    String requestId = "loop-" + i;
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("templateId", run.harness().templateId());
    input.put("requestId", requestId);
    input.put("region", Fleet.REGIONS.get((int) (i % Fleet.REGIONS.size())));
    return session
        .set("owner", owner)
        .set("requestId", requestId)
        .set("token", run.harness().token(owner))
        .set(
            "body",
            Gql.body(
                run.harness().operations(), "desktops", "CreateDesktop", Map.of("input", input)));
  }

  private String recordCreation(String body, Session session) {
    JsonNode answer = Gql.read(body);
    String code = Gql.errorCode(answer);
    if (code != null) {
      run.ledger()
          .refused(
              session.getString("requestId"),
              session.getString("owner"),
              code,
              Gql.errorMessage(answer));
      throw new IllegalStateException(code + ": " + Gql.errorMessage(answer));
    }
    run.ledger()
        .created(
            session.getString("requestId"),
            session.getString("owner"),
            answer.path("data").path("createDesktop").path("id").asText());
    return body;
  }

  private void beforeCheck() {
    long created = run.ledger().created();
    run.figure("concurrency", concurrency);
    run.figure("seconds per phase", hold.toSeconds());
    for (Phase p : List.of(health, typename, create)) {
      run.figure(p.name + " per second", p.rate());
    }
    run.figure("desktops created (warm-up included)", created);
    long measured = create.answered.get();
    if (measured > 0 && createCpuStartNanos >= 0) {
      run.figure(
          "gateway CPU per created desktop while the requests ran (ms)",
          millisPer(gatewayCpuNanos() - createCpuStartNanos, measured));
    }
    run.figure("refusals by code", run.ledger().refusals());
  }

  private String millisPer(long nanos, long count) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e6 / count);
  }

  /** The gateway's CPU time so far (user and system), as the operating system counts it. */
  private long gatewayCpuNanos() {
    JavaProcess gateway = run.harness().gateways().get(0);
    return ProcessHandle.of(gateway.pid())
        .flatMap(p -> p.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(-1L);
  }

  @Override
  public void after() {
    run.close();
  }

  /** One phase's completed requests over the time from its first request to its last answer. */
  private static final class Phase {
    final String name;
    final AtomicLong started = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    volatile long firstNanos;
    volatile long lastNanos;

    Phase(String name) {
      this.name = name;
    }

    ChainBuilder begin() {
      return exec(
          session -> {
            if (started.getAndIncrement() == 0) {
              firstNanos = System.nanoTime();
            }
            return session;
          });
    }

    ChainBuilder end() {
      return exec(
          session -> {
            if (!session.isFailed()) {
              answered.incrementAndGet();
            }
            lastNanos = System.nanoTime();
            return session;
          });
    }

    String rate() {
      double seconds = (lastNanos - firstNanos) / 1e9;
      return seconds <= 0
          ? "n/a"
          : String.format(
              Locale.ROOT,
              "%.0f (%d in %.1f s)",
              answered.get() / seconds,
              answered.get(),
              seconds);
    }
  }
}
