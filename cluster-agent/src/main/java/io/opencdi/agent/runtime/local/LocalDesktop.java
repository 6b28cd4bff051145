package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the local runtime knows of one desktop: what it was asked for, its state and last status,
 * the capacity it holds, its launch, its user and layers, its health and restarts. Its fields are
 * guarded by the runtime's one lock; the launcher, recovery and health checks read and write it
 * under that lock, which is why it is a type of its own rather than the runtime's private class.
 */
final class LocalDesktop {
  final String id;

  /** Serialises the blocking work of one desktop: launch, stop, failure clean-up, delete. */
  final ReentrantLock ops = new ReentrantLock();

  DesktopSpec spec; // what it runs (or ran last)
  DesktopSpec wanted; // the last spec a command asked for
  DesktopState state;
  DesktopStatus last;
  boolean wantRunning;
  boolean deleting;
  boolean holding;
  long heldCpuMillis;
  long heldMemoryMiB;
  Launch launch;
  long epoch;
  int uid = -1; // its own user id when the agent is root, assigned at its first start
  // The manifest digests of the layers it last started with: kept while it exists.
  Set<String> layerDigests = Set.of();
  DesktopHealthWatch.Judgement health = DesktopHealthWatch.Judgement.OK;
  final DesktopRestarts restarts = new DesktopRestarts();

  LocalDesktop(String id) {
    this.id = id;
  }
}
