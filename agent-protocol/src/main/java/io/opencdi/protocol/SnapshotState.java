package io.opencdi.protocol;

/** What an agent observed of a snapshot of a desktop's home volume. */
public enum SnapshotState {
  /** Asked for; the copy is being taken. */
  PENDING,
  /** The copy is complete; desktops can be restored from it. */
  READY,
  /** The copy could not be taken; the reason says why. */
  FAILED,
  /** The snapshot is gone (deleted, or never existed). */
  DELETED
}
