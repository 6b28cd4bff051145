package io.opencdi.gateway.graphql;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The connection writes ({@link Outbound} drains) queued to this replica's event loops and not yet
 * run. The fan-out thread waits while there are {@code limit} or more: a request's next step (a
 * database answer, say) is queued on the same loops, behind every write queued before it, so an
 * unbounded hand-out to 10,000 consoles made a {@code createDesktop} wait seconds. While the
 * fan-out thread waits, events gather in their group and go out in fewer, larger batches.
 */
final class WriteBacklog {
  private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final AtomicInteger queued = new AtomicInteger();
  private final int limit;
  private final long maxWaitNanos;

  /**
   * @param limit writes queued at which the fan-out thread waits
   * @param maxWaitNanos longest one wait: a loop that does not run its writes (one shutting down)
   *     must not stop every group's hand-out
   */
  WriteBacklog(int limit, long maxWaitNanos) {
    if (limit < 1 || maxWaitNanos < 0) {
      throw new IllegalArgumentException("limit " + limit + ", wait " + maxWaitNanos);
    }
    this.limit = limit;
    this.maxWaitNanos = maxWaitNanos;
  }

  void queued() {
    queued.incrementAndGet();
  }

  void ran() {
    queued.decrementAndGet();
  }

  int size() {
    return queued.get();
  }

  /** Waits until fewer than the limit are queued, or the longest wait has passed. */
  void awaitRoom() {
    if (queued.get() < limit) {
      return;
    }
    long deadline = System.nanoTime() + maxWaitNanos;
    while (queued.get() >= limit && deadline - System.nanoTime() > 0) {
      LockSupport.parkNanos(PARK_NANOS);
    }
  }
}
