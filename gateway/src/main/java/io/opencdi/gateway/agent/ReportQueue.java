package io.opencdi.gateway.agent;

import io.opencdi.gateway.desktop.DesktopReport;
import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One agent's desktop reports, applied in arrival order, a batch at a time. Reports that arrive
 * while a batch is being applied form the next batch, so batches grow with the load and a lone
 * report waits for nothing. The channel's reader only enqueues, so a slow database never holds up
 * the agent's other frames (its heartbeats above all).
 */
final class ReportQueue {
  private static final Logger LOG = Logger.getLogger(ReportQueue.class);

  private final Function<List<DesktopReport>, Uni<Void>> apply;
  private final int maxBatch;
  // Guarded by this.
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private boolean applying;

  ReportQueue(Function<List<DesktopReport>, Uni<Void>> apply, int maxBatch) {
    this.apply = apply;
    this.maxBatch = maxBatch;
  }

  /** Queues one report. */
  void add(DesktopReport report) {
    enqueue(List.of(report), null);
  }

  /** Queues reports; the Uni completes once they, and everything queued before, are applied. */
  Uni<Void> addAll(List<DesktopReport> reports) {
    return Uni.createFrom().emitter(emitter -> enqueue(reports, () -> emitter.complete(null)));
  }

  /** How many reports wait. */
  synchronized int waiting() {
    return queue.size();
  }

  private void enqueue(List<DesktopReport> reports, Runnable done) {
    boolean start;
    synchronized (this) {
      for (int i = 0; i < reports.size(); i++) {
        queue.add(new Entry(reports.get(i), i == reports.size() - 1 ? done : null));
      }
      if (reports.isEmpty()) {
        queue.add(new Entry(null, done)); // completes once what was queued before is applied
      }
      start = !applying;
      applying = true;
    }
    if (start) {
      next();
    }
  }

  private void next() {
    List<Entry> batch = new ArrayList<>();
    synchronized (this) {
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      if (batch.isEmpty()) {
        applying = false;
        return;
      }
    }
    List<DesktopReport> reports = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (e.report() != null) {
        reports.add(e.report());
      }
    }
    Uni<Void> applied = reports.isEmpty() ? Uni.createFrom().voidItem() : apply.apply(reports);
    applied
        .subscribe()
        .with(
            v -> finished(batch),
            e -> {
              LOG.warnf("could not apply %d desktop reports: %s", reports.size(), e.toString());
              finished(batch);
            });
  }

  private void finished(List<Entry> batch) {
    for (Entry e : batch) {
      if (e.done() != null) {
        e.done().run();
      }
    }
    next();
  }

  /** A report (null for a mere barrier) and what to run once it is applied. */
  private record Entry(DesktopReport report, Runnable done) {}
}
