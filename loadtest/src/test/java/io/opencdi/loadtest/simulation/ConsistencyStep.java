package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import io.opencdi.loadtest.LoadRun;
import java.time.Duration;
import java.util.List;

/**
 * The consistency check as the last step of a simulation: one user runs it after the load and
 * records the outcome as a Gatling response named {@value #NAME}, asserted to have succeeded. A
 * failed check thus fails the run, and the report still shows everything else.
 */
final class ConsistencyStep {
  static final String NAME = "consistency check";

  private ConsistencyStep() {}

  /**
   * A population of one user that checks {@code run}, waiting up to {@code settle} for desktops to
   * settle; {@code before} records the simulation's own figures and expectations first.
   */
  static PopulationBuilder population(LoadRun run, Duration settle, Runnable before) {
    GatlingStats stats = new GatlingStats();
    return scenario(NAME)
        .exec(stats.hook())
        .exec(
            session -> {
              before.run();
              long start = System.currentTimeMillis();
              List<String> problems = run.check(settle);
              String message =
                  problems.isEmpty()
                      ? null
                      : problems.size() + " problems, e.g. " + Gql.abbreviate(problems.get(0));
              stats.record(
                  NAME, NAME, start, System.currentTimeMillis(), problems.isEmpty(), message);
              return session;
            })
        .injectOpen(atOnceUsers(1));
  }

  /** The assertion that the check passed. */
  static Assertion passed() {
    return details(NAME).failedRequests().count().is(0L);
  }
}
