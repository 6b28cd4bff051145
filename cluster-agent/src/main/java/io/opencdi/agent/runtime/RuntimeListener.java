package io.opencdi.agent.runtime;

import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.SnapshotStatus;

/** Receives what a {@link DesktopRuntime} observes. See its threading rules. */
public interface RuntimeListener {

  /** A desktop changed state, or a command re-reported its unchanged state. */
  default void statusChanged(DesktopStatus status) {}

  /** A snapshot changed state, or a command re-reported its unchanged state. */
  default void snapshotChanged(SnapshotStatus status) {}

  /**
   * Something that the cluster's capacity depends on changed: desktops took or released capacity,
   * external usage, nodes or readiness changed. Fires often; coalesce before sending anything.
   */
  default void capacityChanged(String cluster) {}

  /** A desktop's virtual printer finished a PDF (ADR 0043). */
  default void printed(PrintJob job) {}
}
