package io.opencdi.agent.runtime;

import io.opencdi.protocol.DesktopState;

/**
 * What a power command does to a desktop that a runtime drives itself, by what the runtime last
 * reported of it: the desired-power state machine of the simulated and the local runtime. Commands
 * are idempotent and may come in any order (ADR 0003): a start while a stop is under way is
 * remembered and runs once the desktop is STOPPED; a start or stop of a desktop that already is, or
 * is becoming, what was asked reports its state again; nothing but a delete is taken while a delete
 * is under way. Each runtime carries the steps out under its own lock.
 *
 * <p>The Kubernetes runtime has no such machine: it writes the wanted power into the Desktop
 * resource and its reconciler converges on it from what the informers show (ADR 0047).
 */
public final class DesiredPower {
  /** What the runtime does next. */
  public enum Step {
    /** Refuse the command: the desktop is being deleted. */
    REFUSE_BEING_DELETED,
    /** Begin starting the desktop. */
    BEGIN_START,
    /** Begin stopping it: what runs ends, its home stays. */
    BEGIN_STOP,
    /** Report it STOPPED at once: nothing of it runs (a failed start, or unknown here). */
    REPORT_STOPPED,
    /** Nothing changes now; report its last state again. */
    REPORT_LAST,
    /** Begin deleting it (also one this runtime does not know: its home may still be there). */
    BEGIN_DELETE,
    /** Nothing to do. */
    NOTHING
  }

  private DesiredPower() {}

  /**
   * A start.
   *
   * @param last what was last reported of the desktop; null when it was never started here
   */
  public static Step start(DesktopState last, boolean deleting) {
    if (deleting) {
      return Step.REFUSE_BEING_DELETED;
    }
    if (last == null || last == DesktopState.STOPPED || last == DesktopState.FAILED) {
      return Step.BEGIN_START;
    }
    // STARTING, RUNNING: it runs, or soon will; STOPPING: it starts again once STOPPED.
    return Step.REPORT_LAST;
  }

  /**
   * A stop.
   *
   * @param known whether the runtime holds the desktop; one it does not (after an agent restart) is
   *     known to the gateway, its home kept
   */
  public static Step stop(boolean known, DesktopState last, boolean deleting) {
    if (!known) {
      return Step.REPORT_STOPPED;
    }
    if (deleting) {
      return Step.REFUSE_BEING_DELETED;
    }
    if (last == DesktopState.STARTING || last == DesktopState.RUNNING) {
      return Step.BEGIN_STOP;
    }
    if (last == DesktopState.FAILED) {
      return Step.REPORT_STOPPED;
    }
    // STOPPING, STOPPED: already what was asked.
    return Step.REPORT_LAST;
  }

  /** A delete: taken once; a second while the first is under way changes nothing. */
  public static Step delete(boolean deleting) {
    return deleting ? Step.NOTHING : Step.BEGIN_DELETE;
  }

  /**
   * A stop has ended and the desktop is STOPPED: a start that came meanwhile now runs.
   *
   * @param wantRunning whether the last power command was a start
   */
  public static Step stopped(boolean wantRunning) {
    return wantRunning ? Step.BEGIN_START : Step.NOTHING;
  }
}
