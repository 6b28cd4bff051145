package io.opencdi.protocol;

/**
 * Asks the agent for a display tunnel (gateway → agent). The agent connects to the desktop's
 * display and then dials back to the gateway on {@link ProtocolVersion#tunnelPath(String)} with its
 * own token, or answers {@link TunnelRefused}. See docs/agent-protocol.md, "Display tunnels".
 *
 * @param tunnelId random id the gateway issued; names the dial-back path, valid for seconds
 * @param desktopId the desktop whose display is wanted
 * @param cluster the cluster (served by this agent) that runs the desktop
 */
public record TunnelOpen(String tunnelId, String desktopId, String cluster) implements Message {}
