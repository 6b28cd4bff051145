package io.opencdi.gateway.agent;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.jboss.logging.Logger;

/**
 * When an agent was last heard from, and the writing of it as its clusters' heartbeat. Any frame
 * proves the agent alive and is noted in memory at once; the database learns the time of the latest
 * frame through one write at a time, stamped with the time the frame arrived rather than the time
 * the write ran, so a busy database delays the heartbeat's write but does not age it.
 */
final class Liveness {
  private static final Logger LOG = Logger.getLogger(Liveness.class);

  private volatile long lastFrameMillis = System.currentTimeMillis();
  // Guarded by this.
  private boolean writing;
  private boolean again;
  private boolean closed;
  private final List<Runnable> whenIdle = new ArrayList<>();

  /** A frame arrived. */
  void frame() {
    lastFrameMillis = System.currentTimeMillis();
  }

  long lastFrameMillis() {
    return lastFrameMillis;
  }

  /**
   * Writes the latest frame's time with {@code write}. A request made while a write runs is
   * coalesced into one more write after it; none is made once {@link #close}d.
   */
  void persist(LongFunction<Uni<Void>> write) {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (writing) {
        again = true;
        return;
      }
      writing = true;
    }
    run(write);
  }

  /**
   * Stops writing; the Uni completes once no write is running, so none lands after the caller's.
   */
  Uni<Void> close() {
    return Uni.createFrom()
        .emitter(
            emitter -> {
              synchronized (this) {
                closed = true;
                if (writing) {
                  whenIdle.add(() -> emitter.complete(null));
                  return;
                }
              }
              emitter.complete(null);
            });
  }

  private void run(LongFunction<Uni<Void>> write) {
    write
        .apply(lastFrameMillis)
        .subscribe()
        .with(
            v -> written(write),
            e -> {
              LOG.warnf("could not record a heartbeat: %s", e.toString());
              written(write);
            });
  }

  private void written(LongFunction<Uni<Void>> write) {
    List<Runnable> idle;
    synchronized (this) {
      if (again && !closed) {
        again = false;
        idle = null;
      } else {
        again = false;
        writing = false;
        idle = List.copyOf(whenIdle);
        whenIdle.clear();
      }
    }
    if (idle == null) {
      run(write);
    } else {
      idle.forEach(Runnable::run);
    }
  }
}
