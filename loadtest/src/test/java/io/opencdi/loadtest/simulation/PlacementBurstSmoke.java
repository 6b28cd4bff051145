package io.opencdi.loadtest.simulation;

import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Settings;

/**
 * The placement burst made small enough for every CI build: 100 desktops, one per request at 4 per
 * second, on 5 clusters × 2 nodes of 8 slots each (80 in all), then 100 more in one bulk request,
 * so the fleet fills up and at least 120 requests must be refused as {@code UNSCHEDULABLE}. It
 * asserts correctness only (no errors, the consistency check, refusals where the fleet is full),
 * never timings: CI machines are shared. The rate is low because an overloaded gateway refuses
 * desktops for stale heartbeats (see docs/perf/loadtest.md).
 */
public class PlacementBurstSmoke extends PlacementBurst {
  @Override
  protected Settings defaults() {
    return Settings.defaults(100, 5, 2, 8, 100, 4, 2);
  }

  @Override
  protected boolean assertTargets() {
    return false;
  }

  @Override
  protected void expect(LoadRun run) {
    long n = run.settings().desktops();
    long slots = run.settings().fleetSlots();
    long created = run.ledger().created();
    long unschedulable = run.ledger().refusals().getOrDefault("UNSCHEDULABLE", 0L);
    // Two rounds of n desktops (one by one, then in bulk) on a fleet of `slots` slots.
    if (created > slots) {
      run.fail(created + " desktops placed on a fleet of " + slots + " slots");
    }
    if (unschedulable < 2 * n - slots) {
      run.fail(
          "only "
              + unschedulable
              + " requests were refused as UNSCHEDULABLE; the fleet has "
              + slots
              + " slots for "
              + 2 * n
              + " desktops");
    }
    if (created + unschedulable + run.ledger().unknown() != 2 * n) {
      run.fail("answers do not add up: " + created + " created, " + unschedulable + " refused");
    }
  }
}
