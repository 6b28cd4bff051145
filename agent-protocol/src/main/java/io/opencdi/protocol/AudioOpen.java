package io.opencdi.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Asks the agent for an audio tunnel (gateway → agent): the sound of a running desktop to one
 * viewer and, when the template allows it, the viewer's microphone into the desktop (ADR 0044). The
 * agent checks the desktop and dials back on {@link ProtocolVersion#tunnelPath(String)} with its
 * own token, as for a display tunnel, or answers {@link TunnelRefused}. What flows in the tunnel is
 * in docs/agent-protocol.md, "Audio tunnels": Opus packets, one per binary message.
 *
 * <p>Added within version 1: an older agent ignores the frame, and the viewer's audio WebSocket is
 * closed when the gateway's tunnel wait ends.
 *
 * @param tunnelId random id the gateway issued; names the dial-back path, valid for seconds
 * @param desktopId the desktop whose sound is wanted
 * @param cluster the cluster (served by this agent) that runs the desktop
 * @param dialBackUrl as in {@link TunnelOpen#dialBackUrl()}: null means the link's own gateway
 * @param microphone whether the gateway passes the viewer's microphone on: the agent writes what
 *     arrives into the desktop's microphone only when this is true, and closes the tunnel with
 *     {@link AudioCodec#MICROPHONE_REFUSED} otherwise
 */
public record AudioOpen(
    String tunnelId,
    String desktopId,
    String cluster,
    @JsonInclude(JsonInclude.Include.NON_NULL) String dialBackUrl,
    boolean microphone)
    implements Message {}
