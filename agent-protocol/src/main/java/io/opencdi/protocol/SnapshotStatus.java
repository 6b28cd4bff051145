package io.opencdi.protocol;

/**
 * The observed state of a snapshot, sent by the agent on every transition of a snapshot that a
 * {@link CommandKind#SNAPSHOT} or {@link CommandKind#DELETE_SNAPSHOT} command caused, and again
 * when a repeated command re-reports it.
 *
 * @param snapshotId the gateway's snapshot id
 * @param desktopId the desktop whose home volume it copies
 * @param cluster the cluster holding it
 * @param state observed state
 * @param sizeBytes size of a volume restored from it, when known (READY), or null
 * @param reason human-readable reason for FAILED, or null
 * @param observedAtEpochMillis the agent's clock at the transition
 */
public record SnapshotStatus(
    String snapshotId,
    String desktopId,
    String cluster,
    SnapshotState state,
    Long sizeBytes,
    String reason,
    long observedAtEpochMillis)
    implements Message {}
