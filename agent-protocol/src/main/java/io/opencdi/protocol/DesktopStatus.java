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
 * @param health how the desktop is doing over time, or null when its runtime does not judge it
 * @param healthReason why it is {@link DesktopHealth#DEGRADED}, or null
 */
public record DesktopStatus(
    String desktopId,
    String cluster,
    String node,
    DesktopState state,
    String reason,
    long observedAtEpochMillis,
    DesktopHealth health,
    String healthReason)
    implements Message {

  /** A status without a health judgement (runtimes that do not measure it). */
  public DesktopStatus(
      String desktopId,
      String cluster,
      String node,
      DesktopState state,
      String reason,
      long observedAtEpochMillis) {
    this(desktopId, cluster, node, state, reason, observedAtEpochMillis, null, null);
  }
}
