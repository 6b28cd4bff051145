package io.opencdi.agent.runtime.simulated;

import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import java.util.concurrent.ScheduledFuture;

/**
 * A simulated desktop: what it runs, what was asked of it last and the transition pending for it;
 * guarded by {@link SimulatedRuntime}'s one lock ({@link #epoch} tells a stale timer task apart).
 */
final class SimDesktop {
  final String id;
  DesktopSpec spec; // what it runs (or ran last)
  DesktopSpec wanted; // the last spec a command asked for
  String cluster;
  DesktopState state;
  DesktopStatus last;
  boolean wantRunning;
  boolean deleting;
  SimNode node; // the node whose capacity it holds, or null
  long heldCpuMillis;
  long heldMemoryMiB;
  ScheduledFuture<?> pending;
  long epoch;

  SimDesktop(DesktopSpec spec) {
    this.id = spec.id();
    this.wanted = spec;
    adopt(spec);
  }

  void adopt(DesktopSpec spec) {
    this.spec = spec;
    this.cluster = spec.cluster();
  }

  void cancelPending() {
    epoch++;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }
}
