package io.opencdi.agent.runtime.simulated;

import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;

/** A simulated snapshot of a home; guarded by {@link SimulatedRuntime}'s one lock. */
final class SimSnapshot {
  final SnapshotSpec spec;
  final long sizeBytes;
  SnapshotState state;
  SnapshotStatus last;

  SimSnapshot(SnapshotSpec spec, long sizeBytes) {
    this.spec = spec;
    this.sizeBytes = sizeBytes;
  }
}
