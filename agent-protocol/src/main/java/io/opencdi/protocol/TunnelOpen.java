package io.opencdi.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Asks the agent for a display tunnel (gateway → agent). The agent connects to the desktop's
 * display and then dials back to the gateway on {@link ProtocolVersion#tunnelPath(String)} with its
 * own token, or answers {@link TunnelRefused}. See docs/agent-protocol.md, "Display tunnels".
 *
 * @param tunnelId random id the gateway issued; names the dial-back path, valid for seconds
 * @param desktopId the desktop whose display is wanted
 * @param cluster the cluster (served by this agent) that runs the desktop
 * @param dialBackUrl base URL ({@code ws://} or {@code wss://}) of the gateway replica that holds
 *     the viewer, when that is not the one the agent's link goes to; null means the link's own. The
 *     agent dials it only if its host is one the agent trusts, else it answers {@link
 *     TunnelRefused.Cause#DIAL_BACK_REFUSED}. Added within version 1: older agents ignore it.
 * @param watermark the text the desktop draws over its screen from this connection on, its
 *     placeholders {@code {user}} and {@code {desktop}} already filled in for this viewer and
 *     {@code {time}} left for the desktop to keep current; null for none. Added within version 1:
 *     older agents ignore it, older gateways send none.
 */
public record TunnelOpen(
    String tunnelId,
    String desktopId,
    String cluster,
    @JsonInclude(JsonInclude.Include.NON_NULL) String dialBackUrl,
    @JsonInclude(JsonInclude.Include.NON_NULL) String watermark)
    implements Message {

  /** A tunnel dialled back over the link's own gateway address, for a desktop with no watermark. */
  public TunnelOpen(String tunnelId, String desktopId, String cluster) {
    this(tunnelId, desktopId, cluster, null, null);
  }
}
