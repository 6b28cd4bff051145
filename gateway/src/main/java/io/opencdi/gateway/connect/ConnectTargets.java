package io.opencdi.gateway.connect;

import io.opencdi.gateway.auth.Roles;
import io.opencdi.gateway.auth.SessionEnds;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What a redeemed ticket connects to, for the display and the audio endpoint alike: the desktop as
 * it is now, with its cluster and template (whose policies apply at each connection), and whether
 * the ticket's user may still act on it. Also ends a connection with the session that asked for it.
 */
@ApplicationScoped
public class ConnectTargets {
  private static final Logger LOG = Logger.getLogger(ConnectTargets.class);

  private final Db db;
  private final Vertx vertx;
  private final SessionEnds sessionEnds;
  private final TicketStore tickets;
  private final PublicUrl publicUrl;

  public ConnectTargets(
      Db db, Vertx vertx, SessionEnds sessionEnds, TicketStore tickets, PublicUrl publicUrl) {
    this.db = db;
    this.vertx = vertx;
    this.sessionEnds = sessionEnds;
    this.tickets = tickets;
    this.publicUrl = publicUrl;
  }

  /**
   * Serves a viewer's WebSocket that carries a ticket of {@code purpose} in the path parameter
   * {@code ticket}: upgrades it (paused), refuses a foreign origin before the ticket is touched (so
   * a foreign page cannot even use it up), redeems the ticket, finds its target, {@link #admit
   * admits} it and hands the socket to {@code connect}; every refusal closes the socket with its
   * code.
   */
  public void serve(RoutingContext rc, TicketStore.Purpose purpose, Connect connect) {
    String ticket = rc.pathParam("ticket");
    boolean originAllowed = publicUrl.originAllowed(rc.request().getHeader("Origin"), rc.request());
    DisplayRoutes.upgrade(
        rc,
        ws -> {
          if (!originAllowed) {
            Tunnels.close(ws, DisplayCloseCodes.ORIGIN_FORBIDDEN, "origin not allowed");
            return;
          }
          tickets
              .redeem(purpose, ticket)
              .flatMap(
                  r ->
                      switch (r) {
                        case TicketStore.Refused refused -> {
                          Tunnels.close(ws, refused.code(), refused.reason());
                          yield Uni.createFrom().voidItem();
                        }
                        case TicketStore.Redeemed redeemed ->
                            find(redeemed)
                                .invoke(
                                    found -> {
                                      if (admit(ws, found)) {
                                        connect.to(ws, redeemed, found.get());
                                      }
                                    })
                                .replaceWithVoid();
                      })
              .subscribe()
              .with(
                  v -> {},
                  e -> {
                    LOG.warnf("%s connection failed: %s", purpose, e.toString());
                    Tunnels.close(ws, 1011, "gateway error");
                  });
        });
  }

  /** What an endpoint does with a viewer's socket whose ticket and target were admitted. */
  @FunctionalInterface
  public interface Connect {
    /** Connects {@code ws} (paused) to {@code target} for the ticket {@code redeemed}. */
    void to(ServerWebSocket ws, TicketStore.Redeemed redeemed, Target target);
  }

  /**
   * A desktop placed on a cluster, the ticket's user and the desktop's template (null when it was
   * deleted).
   */
  public record Target(
      DesktopEntity desktop, UserEntity user, ClusterEntity cluster, TemplateEntity template) {
    /** The ticket's user still owns the desktop or is an admin. */
    boolean userMayAct() {
      return user != null && (Roles.ADMIN.equals(user.role) || user.id.equals(desktop.ownerId));
    }
  }

  /** The target of {@code redeemed}; empty when the desktop is gone or not placed. */
  Uni<Optional<Target>> find(TicketStore.Redeemed redeemed) {
    return db.session(
        s ->
            s.find(DesktopEntity.class, redeemed.desktopId())
                .flatMap(
                    d ->
                        d == null || d.clusterId == null
                            ? Uni.createFrom().item(Optional.<Target>empty())
                            : s.find(UserEntity.class, redeemed.userId())
                                .flatMap(
                                    u ->
                                        s.find(ClusterEntity.class, d.clusterId)
                                            .flatMap(
                                                c ->
                                                    s.find(TemplateEntity.class, d.templateId)
                                                        .map(
                                                            t ->
                                                                Optional.of(
                                                                    new Target(d, u, c, t)))))));
  }

  /**
   * Whether {@code ws} may go on to {@code target}: closed with a code when the ticket's user lost
   * the right to the desktop since the ticket was issued, or the desktop is not running.
   */
  boolean admit(ServerWebSocket ws, Optional<Target> target) {
    if (target.isPresent() && !target.get().userMayAct()) {
      Tunnels.close(ws, DisplayCloseCodes.TICKET_INVALID, "invalid ticket");
      return false;
    }
    if (target.isEmpty() || target.get().desktop().state != DesktopState.RUNNING) {
      Tunnels.close(
          ws,
          DisplayCloseCodes.DESKTOP_NOT_RUNNING,
          "the desktop is "
              + target.map(t -> t.desktop().state.name()).orElse("gone")
              + ", not RUNNING");
      return false;
    }
    return true;
  }

  /**
   * Ends {@code ws} when the session that asked for the ticket expires or is signed out (on any
   * replica), as the GraphQL WebSocket does. The sign-out hook is forgotten at the session's expiry
   * at the latest, so hooks of connections closed earlier are bounded by the session's lifetime.
   */
  public void closeAtSessionEnd(ServerWebSocket ws, TicketStore.Redeemed redeemed) {
    Runnable forget = () -> {};
    if (redeemed.sessionHash() != null) {
      forget =
          sessionEnds.whenEnded(
              redeemed.sessionHash(),
              () -> {
                if (!ws.isClosed()) {
                  Tunnels.close(ws, DisplayCloseCodes.SESSION_EXPIRED, "signed out");
                }
              });
    }
    OffsetDateTime sessionExpiresAt = redeemed.sessionExpiresAt();
    if (sessionExpiresAt == null) {
      return;
    }
    Runnable forgetAtExpiry = forget;
    long delay = Math.max(1, Duration.between(OffsetDateTime.now(), sessionExpiresAt).toMillis());
    vertx.setTimer(
        delay,
        t -> {
          forgetAtExpiry.run();
          if (!ws.isClosed()) {
            Tunnels.close(ws, DisplayCloseCodes.SESSION_EXPIRED, "the session expired");
          }
        });
  }
}
