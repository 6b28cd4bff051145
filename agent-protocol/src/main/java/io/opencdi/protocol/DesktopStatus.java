package io.opencdi.protocol;

/**
 * The observed state of a desktop in a cluster, sent by the agent on every transition and as part
 * of its inventory.
 *
 * @param desktopId the gateway's desktop id
 * @param cluster the cluster running it
 * @param node the node (group) it runs on, or null before it is bound
 * @param state observed state
 * @param reason human-readable reason for FAILED (and informative otherwise), or null
 * @param observedAtEpochMillis the agent's clock at the transition
 */
public record DesktopStatus(
    String desktopId,
    String cluster,
    String node,
    DesktopState state,
    String reason,
    long observedAtEpochMillis)
    implements Message {}
