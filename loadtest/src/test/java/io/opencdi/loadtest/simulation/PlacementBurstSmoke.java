package io.opencdi.loadtest.simulation;

import io.opencdi.loadtest.LoadRun;
import io.opencdi.loadtest.harness.Settings;

/**
 * The placement burst made small enough for every CI build: 300 desktops on 10 clusters × 2 nodes
 * of 14 slots each (280 in all), so the burst fills the fleet completely and the last requests and
 * the bulk request must be refused as {@code UNSCHEDULABLE}. It asserts correctness only (no
 * errors, consistency check, refusals where the fleet is full), never timings: CI machines are
 * shared.
 */
public class PlacementBurstSmoke extends PlacementBurst {
  @Override
  protected Settings defaults() {
    return Settings.defaults(300, 10, 2, 14, 300, 30, 2);
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
