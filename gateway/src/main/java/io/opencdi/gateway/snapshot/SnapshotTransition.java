package io.opencdi.gateway.snapshot;

import io.opencdi.protocol.SnapshotStatus;

/** What an agent's snapshot report means for the recorded snapshot. Pure logic. */
public final class SnapshotTransition {
  private SnapshotTransition() {}

  /** The effect of a report. */
  public sealed interface Outcome {
    /** Nothing changes (a repeat, or a report that a pending delete makes moot). */
    record Ignore() implements Outcome {}

    /** The snapshot is gone from its cluster as asked: the record goes too. */
    record Remove() implements Outcome {}

    /** The record takes this state. */
    record Record(SnapshotState state, Long sizeBytes, String reason) implements Outcome {}
  }

  /** What {@code report} does to a snapshot recorded as {@code current}. */
  public static Outcome of(SnapshotState current, SnapshotStatus report) {
    return switch (report.state()) {
      case DELETED ->
          current == SnapshotState.DELETING
              ? new Outcome.Remove()
              // Only an explicit delete removes the record; the user sees that the copy is lost.
              : new Outcome.Record(
                  SnapshotState.FAILED, null, "the snapshot no longer exists in its cluster");
      case FAILED ->
          new Outcome.Record(
              SnapshotState.FAILED,
              null,
              current == SnapshotState.DELETING
                  ? "could not delete the snapshot: " + report.reason()
                  : report.reason());
      case PENDING ->
          current == SnapshotState.PENDING || current == SnapshotState.DELETING
              ? new Outcome.Ignore()
              : new Outcome.Record(SnapshotState.PENDING, null, null);
      case READY ->
          current == SnapshotState.DELETING
              ? new Outcome.Ignore()
              : new Outcome.Record(SnapshotState.READY, report.sizeBytes(), null);
    };
  }
}
