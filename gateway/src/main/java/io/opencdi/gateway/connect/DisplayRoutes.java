package io.opencdi.gateway.connect;

import io.opencdi.gateway.agent.AgentInventory;
import io.opencdi.gateway.agent.AgentRefusals;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.connect.limits.LimitsConfig;
import io.opencdi.gateway.connect.limits.ViewerLimits;
import io.opencdi.gateway.connect.rfb.ClipboardRules;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ProtocolVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.function.Consumer;

/**
 * The two WebSocket endpoints of the display broker, on plain Vert.x routes because splicing needs
 * the sockets' flow control (pause, resume, write queues), which WebSockets Next does not expose:
 *
 * <ul>
 *   <li>{@code /display/v1/{ticket}}: a viewer (noVNC) opens it with a ticket from {@code
 *       connectDesktop}; RFB flows in binary frames, subprotocol {@code binary} or none;
 *   <li>{@code /agent/v1/tunnel/{tunnelId}}: the agent dials back with the tunnel asked for.
 * </ul>
 *
 * Refusals close the WebSocket with a {@link DisplayCloseCodes code} after the upgrade, since a
 * browser cannot read the HTTP status of a refused upgrade.
 */
@ApplicationScoped
public class DisplayRoutes {
  /** Path of the viewer's endpoint; the ticket follows. */
  public static final String DISPLAY_PATH_PREFIX = "/display/v1/";

  private final Tunnels tunnels;
  private final AgentInventory agents;
  private final ConnectTargets targets;
  private final ConnectConfig config;
  private final AgentRefusals refusals;
  private final LimitsConfig limits;

  public DisplayRoutes(
      Tunnels tunnels,
      AgentInventory agents,
      ConnectTargets targets,
      ConnectConfig config,
      AgentRefusals refusals,
      LimitsConfig limits) {
    this.limits = limits;
    this.refusals = refusals;
    this.tunnels = tunnels;
    this.agents = agents;
    this.targets = targets;
    this.config = config;
  }

  void routes(@Observes Router router) {
    if (config.ticketTtl().isNegative()
        || config.ticketTtl().isZero()
        || config.ticketTtl().compareTo(ConnectConfig.MAX_TICKET_TTL) > 0) {
      throw new IllegalStateException(
          "opencdi.connect.ticket-ttl must be more than 0 and at most 60 s, is "
              + config.ticketTtl());
    }
    router.get(DISPLAY_PATH_PREFIX + ":ticket").handler(this::viewer);
    router.get(ProtocolVersion.TUNNEL_PATH_PREFIX + ":tunnel").handler(this::agent);
  }

  // ---- the viewer

  private void viewer(RoutingContext rc) {
    targets.serve(rc, TicketStore.Purpose.DISPLAY, this::connect);
  }

  private void connect(
      ServerWebSocket ws, TicketStore.Redeemed redeemed, ConnectTargets.Target target) {
    TemplateEntity t = target.template();
    tunnels.request(
        ws,
        target.cluster().id,
        target.cluster().name,
        target.desktop().id,
        target.cluster().tunnelAgent(),
        clipboardRules(t),
        viewerLimits(t, redeemed),
        watermark(t, target.user(), target.desktop()));
    targets.closeAtSessionEnd(ws, redeemed);
  }

  /**
   * The clipboard policy of the desktop's template as it is now, so an admin's tightening applies
   * to the next connection; a desktop whose template is gone gets no clipboard.
   */
  private static ClipboardRules clipboardRules(TemplateEntity t) {
    return t == null
        ? new ClipboardRules(false, false, 0)
        : new ClipboardRules(
            t.clipboard.toDesktop(), t.clipboard.fromDesktop(), t.clipboardMaxBytes);
  }

  /**
   * The time limits of this connection: the idle limit of the template as it is now (like the
   * clipboard), the session's end as fixed in the ticket when it was issued.
   */
  private ViewerLimits viewerLimits(TemplateEntity t, TicketStore.Redeemed redeemed) {
    OffsetDateTime endsAt = redeemed.connectionEndsAt();
    return new ViewerLimits(
        t == null ? null : t.idleTimeoutMinutes,
        endsAt == null ? null : endsAt.toInstant(),
        limits.minute());
  }

  /**
   * The watermark of the desktop's template as it is now (like the clipboard), for the user who
   * connects: an admin looking at a user's desktop is named, not the owner.
   */
  private static String watermark(TemplateEntity t, UserEntity viewer, DesktopEntity d) {
    return t == null || viewer == null
        ? null
        : WatermarkText.fill(t.watermark, viewer.username, d.name);
  }

  // ---- the agent's dial-back

  private void agent(RoutingContext rc) {
    String tunnelId = rc.pathParam("tunnel");
    String header = rc.request().getHeader("Authorization");
    upgrade(
        rc,
        ws -> {
          // Before anything that waits: the agent may send all and close meanwhile.
          DialBack back = DialBack.of(ws);
          if (header == null || !header.startsWith("Bearer ") || header.length() > 512) {
            Tunnels.close(ws, CloseCodes.UNAUTHORIZED, "agent token required");
            return;
          }
          agents
              .authenticate(header.substring("Bearer ".length()).strip())
              .subscribe()
              .with(
                  agent -> {
                    if (agent == null) {
                      Tunnels.close(ws, CloseCodes.UNAUTHORIZED, "unknown or revoked agent token");
                      return;
                    }
                    switch (tunnels.claim(tunnelId, agent.id, back)) {
                      case SPLICED -> {}
                      case UNKNOWN ->
                          Tunnels.close(ws, CloseCodes.UNKNOWN_TUNNEL, "unknown or expired tunnel");
                      case WRONG_AGENT -> {
                        refusals.refused(
                            agent.name,
                            "tunnel",
                            "tunnel " + tunnelId + " was requested from another agent");
                        Tunnels.close(
                            ws,
                            CloseCodes.FORBIDDEN,
                            "the tunnel was requested from another agent");
                      }
                    }
                  },
                  e -> Tunnels.close(ws, 1011, "gateway error"));
        });
  }

  /** Upgrades to a WebSocket that stays paused until the handler lets bytes flow. */
  public static void upgrade(RoutingContext rc, Consumer<ServerWebSocket> then) {
    rc.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              ws.pause();
              then.accept(ws);
            })
        .onFailure(
            e -> {
              if (!rc.response().ended()) {
                rc.response().setStatusCode(400).end("WebSocket upgrade required");
              }
            });
  }
}
