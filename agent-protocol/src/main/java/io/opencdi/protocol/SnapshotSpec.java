package io.opencdi.protocol;

/**
 * A snapshot of a desktop's home volume, as the gateway names it in a {@link Command} of kind
 * {@link CommandKind#SNAPSHOT} or {@link CommandKind#DELETE_SNAPSHOT}. Snapshots live in the
 * cluster that holds the volume: a desktop restored from one runs in that cluster.
 *
 * @param id the gateway's snapshot id (a UUID)
 * @param name the name the user gave it
 * @param desktopId the desktop whose home volume is copied
 * @param cluster the cluster that holds the volume and the snapshot
 */
public record SnapshotSpec(String id, String name, String desktopId, String cluster) {}
