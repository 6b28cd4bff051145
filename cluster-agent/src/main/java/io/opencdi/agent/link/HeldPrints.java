package io.opencdi.agent.link;

import io.opencdi.protocol.PrintJob;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Print jobs a desktop finished while the link to the gateway was down, announced once the gateway
 * welcomes the agent again, so a user whose PDF came out during a gateway restart still hears of
 * it. Bounded: the newest {@link #MAX} jobs, and none older than {@link #MAX_AGE} when the link
 * returns (news that late is no longer news; the portal's Prints dialog lists every PDF anyway).
 * Held in memory only: an agent restart forgets them. Not thread-safe: the link's own thread uses
 * it.
 */
final class HeldPrints {
  static final int MAX = 100;
  static final Duration MAX_AGE = Duration.ofMinutes(15);

  private final Deque<PrintJob> jobs = new ArrayDeque<>();

  /** Keeps {@code job}, forgetting the oldest one held when there are {@link #MAX} already. */
  void hold(PrintJob job) {
    if (jobs.size() == MAX) {
      jobs.removeFirst();
    }
    jobs.addLast(job);
  }

  /** The jobs to announce now, oldest first, no older than {@link #MAX_AGE}; none are kept. */
  List<PrintJob> release(long nowMillis) {
    long oldest = nowMillis - MAX_AGE.toMillis();
    List<PrintJob> fresh = jobs.stream().filter(j -> j.printedAtEpochMillis() >= oldest).toList();
    jobs.clear();
    return fresh;
  }
}
