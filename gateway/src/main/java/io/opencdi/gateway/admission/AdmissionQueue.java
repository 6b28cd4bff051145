package io.opencdi.gateway.admission;

import java.util.ArrayDeque;

/**
 * A bounded number of requests at work and a bounded line of requests waiting for their turn; the
 * rest are turned away at once. Pure: the caller says what to run when a request's turn comes.
 *
 * <p>Why: every request that writes holds a database connection for its transaction. Without a
 * bound, a burst above what the database absorbs queues on the connection pool until requests time
 * out part-way — some after their commit, so a client is told "error" about a desktop that exists —
 * and the agents' own writes (their reports and heartbeats) starve behind them until the whole
 * fleet looks dead. A refusal up front changes nothing and tells the client to come back.
 */
public final class AdmissionQueue {
  /** What became of a request that asked to enter. */
  public enum Outcome {
    /** It may run now; it must call {@link #leave} when done. */
    ADMITTED,
    /** It waits; its turn runs the given action, after which it must call {@link #leave}. */
    QUEUED,
    /** Turned away: too many at work and waiting. Nothing was started. */
    REFUSED
  }

  private final int maxInFlight;
  private final int maxWaiting;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;

  public AdmissionQueue(int maxInFlight, int maxWaiting) {
    if (maxInFlight < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException(
          "maxInFlight must be at least 1 and maxWaiting not negative, got "
              + maxInFlight
              + " and "
              + maxWaiting);
    }
    this.maxInFlight = maxInFlight;
    this.maxWaiting = maxWaiting;
  }

  /**
   * Asks to enter. {@code onTurn} runs later (from some other request's {@link #leave}) only when
   * the answer is {@link Outcome#QUEUED}.
   */
  public synchronized Outcome enter(Runnable onTurn) {
    if (inFlight < maxInFlight) {
      inFlight++;
      return Outcome.ADMITTED;
    }
    if (waiting.size() < maxWaiting) {
      waiting.add(onTurn);
      return Outcome.QUEUED;
    }
    return Outcome.REFUSED;
  }

  /** A request at work is done: the next one waiting takes its place. */
  public void leave() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inFlight--;
      }
    }
    if (next != null) {
      next.run();
    }
  }

  public synchronized int inFlight() {
    return inFlight;
  }

  public synchronized int waiting() {
    return waiting.size();
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public int maxWaiting() {
    return maxWaiting;
  }
}
