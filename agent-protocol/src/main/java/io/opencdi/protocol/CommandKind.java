package io.opencdi.protocol;

/**
 * What the gateway asks an agent to do with a desktop. Restoring a snapshot is a {@link #START} of
 * a new desktop whose {@link DesktopSpec#restoreFrom()} names the snapshot.
 */
public enum CommandKind {
  /** Create the desktop if needed and power it on. */
  START,
  /** Power it off, keeping its home volume. */
  STOP,
  /** Remove it and its home volume. */
  DELETE,
  /**
   * Take a snapshot ({@link Command#snapshot()}) of the desktop's home volume; the agent reports it
   * through {@link SnapshotStatus}. The desktop may run or be powered off.
   */
  SNAPSHOT,
  /** Remove the snapshot {@link Command#snapshot()}; the desktop is not touched. */
  DELETE_SNAPSHOT;

  /** A command on a snapshot, the only kind a tunnel-only agent takes (see {@link Hello}). */
  public boolean snapshots() {
    return this == SNAPSHOT || this == DELETE_SNAPSHOT;
  }
}
