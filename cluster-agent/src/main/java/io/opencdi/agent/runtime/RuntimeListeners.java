package io.opencdi.agent.runtime;

import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.SnapshotStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * The listeners of one runtime and what every runtime tells them: each listener hears each change,
 * and one that throws is logged and keeps none of the others from hearing it. The three runtimes
 * report alike, so they share this fan-out rather than each repeating it.
 */
public final class RuntimeListeners {
  private final Logger log;
  private final List<RuntimeListener> listeners = new CopyOnWriteArrayList<>();

  /**
   * @param log the runtime's logger: a listener's failure is logged under the runtime's category
   */
  public RuntimeListeners(Logger log) {
    this.log = log;
  }

  /** Adds a listener; see {@link DesktopRuntime#addListener}. */
  public void add(RuntimeListener listener) {
    listeners.add(listener);
  }

  /** Tells every listener of a desktop's status. */
  public void statusChanged(DesktopStatus status) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.statusChanged(status);
      } catch (RuntimeException e) {
        log.error("runtime listener failed on a status", e);
      }
    }
  }

  /** Tells every listener of a snapshot's status. */
  public void snapshotChanged(SnapshotStatus status) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.snapshotChanged(status);
      } catch (RuntimeException e) {
        log.error("runtime listener failed on a snapshot status", e);
      }
    }
  }

  /** Tells every listener of a PDF a desktop printed. */
  public void printed(PrintJob job) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.printed(job);
      } catch (RuntimeException e) {
        log.error("runtime listener failed on a print job", e);
      }
    }
  }

  /** Tells every listener that a cluster's capacity may have changed. */
  public void capacityChanged(String cluster) {
    for (RuntimeListener listener : listeners) {
      try {
        listener.capacityChanged(cluster);
      } catch (RuntimeException e) {
        log.error("runtime listener failed on a capacity change", e);
      }
    }
  }
}
