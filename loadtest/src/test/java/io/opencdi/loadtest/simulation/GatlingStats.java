package io.opencdi.loadtest.simulation;

import io.gatling.commons.stats.KO$;
import io.gatling.commons.stats.OK$;
import io.gatling.core.action.Action;
import io.gatling.core.stats.StatsEngine;
import io.gatling.core.structure.ScenarioContext;
import io.gatling.javaapi.core.ActionBuilder;
import scala.Option;
import scala.collection.immutable.List$;

/**
 * Records timings that no request measures, for example how long a subscription event took from the
 * state change to the client, as Gatling responses: they then appear in the report with their
 * percentiles and can be asserted like any request. Gatling's Java DSL has no such call; this
 * action (which does nothing when run) hands the run's stats engine over when the scenario is
 * built.
 */
final class GatlingStats implements ActionBuilder {
  private volatile StatsEngine engine;

  /** Put into a scenario once, before anything is recorded. */
  ActionBuilder hook() {
    return this;
  }

  @Override
  public io.gatling.core.action.builder.ActionBuilder asScala() {
    return new io.gatling.core.action.builder.ActionBuilder() {
      @Override
      public Action build(ScenarioContext ctx, Action next) {
        engine = ctx.coreComponents().statsEngine();
        return next;
      }
    };
  }

  /** Records one timing (epoch milliseconds) under {@code name}. */
  void record(
      String scenario, String name, long startMillis, long endMillis, boolean ok, String error) {
    StatsEngine e = engine;
    if (e == null) {
      throw new IllegalStateException("GatlingStats.hook() is not part of the scenario");
    }
    e.logResponse(
        scenario,
        List$.MODULE$.empty(),
        name,
        startMillis,
        endMillis,
        ok ? OK$.MODULE$ : KO$.MODULE$,
        Option.empty(),
        ok ? Option.empty() : Option.apply(error));
  }
}
