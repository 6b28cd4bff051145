package io.opencdi.agent.runtime.kubernetes;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The controller work queue (client-go's shape, one worker): informer events add keys; a key is
 * queued at most once however many events arrive; a key being processed that is added again is
 * processed once more afterwards; a failed key is retried with exponential back-off. Reconciling is
 * level-triggered, so only the key matters, never the event.
 */
final class WorkQueue implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkQueue.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  private final Predicate<String> handler;
  private final Thread worker;
  private final ScheduledExecutorService retries;
  private final Object lock = new Object();
  // guarded by lock
  private final LinkedHashSet<String> queued = new LinkedHashSet<>();
  private final LinkedHashSet<String> processing = new LinkedHashSet<>();
  private final java.util.Map<String, Integer> failures = new java.util.HashMap<>();
  private boolean closed;

  /**
   * @param name thread name
   * @param handler reconciles one key; returns false (or throws) to be retried with back-off
   */
  WorkQueue(String name, Predicate<String> handler) {
    this.handler = handler;
    this.worker = new Thread(this::run, name);
    this.worker.setDaemon(true);
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name + "-retry");
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    worker.start();
  }

  /** Queues {@code key} unless it is already waiting. */
  void add(String key) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (queued.add(key)) {
        lock.notifyAll();
      }
    }
  }

  /** Queues {@code key} after {@code delay}. */
  void addAfter(String key, Duration delay) {
    if (!retries.isShutdown()) {
      retries.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void run() {
    while (true) {
      String key;
      synchronized (lock) {
        while (!closed && nextKey() == null) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        key = nextKey();
        queued.remove(key);
        processing.add(key);
      }
      boolean ok;
      try {
        ok = handler.test(key);
      } catch (RuntimeException e) {
        LOG.warnf("reconciling %s failed: %s", key, e.getMessage());
        LOG.debug("reconcile failure", e);
        ok = false;
      }
      synchronized (lock) {
        processing.remove(key);
        if (ok) {
          failures.remove(key);
        } else {
          int n = failures.merge(key, 1, Integer::sum);
          long delay = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(n, 10));
          addAfter(key, Duration.ofMillis(delay));
        }
        if (queued.contains(key)) {
          lock.notifyAll();
        }
      }
    }
  }

  // A key being processed waits: the same desktop is never reconciled twice at once.
  private String nextKey() {
    for (String key : queued) {
      if (!processing.contains(key)) {
        return key;
      }
    }
    return null;
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    retries.shutdownNow();
    worker.interrupt();
  }
}
