package io.opencdi.gateway.connect;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.common.InvalidStateException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.connect.api.ConnectionTicket;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Issues display tickets for running desktops the caller may act on. */
@ApplicationScoped
public class ConnectService {
  private final Db db;
  private final TicketStore tickets;
  private final ConnectConfig config;

  public ConnectService(Db db, TicketStore tickets, ConnectConfig config) {
    this.db = db;
    this.tickets = tickets;
    this.config = config;
  }

  /**
   * A ticket for {@code desktopId}, bound to the caller.
   *
   * @param displayBase ws(s)://host[:port] of the gateway as the client reaches it
   */
  public Uni<ConnectionTicket> connect(Session session, UUID desktopId, String displayBase) {
    Caller caller = session.caller();
    return db.session(s -> s.find(DesktopEntity.class, desktopId))
        .flatMap(
            d -> {
              // Someone else's desktop is reported exactly like a missing one: no probing.
              if (d == null || !caller.mayActOn(d.ownerId) || d.state == DesktopState.DELETED) {
                throw new NotFoundException("no desktop with id " + desktopId);
              }
              if (d.state != DesktopState.RUNNING) {
                throw new InvalidStateException(
                    "the desktop is " + d.state + "; connect once it is RUNNING");
              }
              String ticket = Tickets.generate();
              OffsetDateTime expiresAt =
                  OffsetDateTime.now().plus(config.ticketTtl()).truncatedTo(ChronoUnit.MILLIS);
              return tickets
                  .issue(
                      ticket,
                      caller.userId(),
                      d.id,
                      expiresAt,
                      session.expiresAt().atOffset(ZoneOffset.UTC),
                      session.tokenHash())
                  .replaceWith(
                      new ConnectionTicket(
                          displayBase + DisplayRoutes.DISPLAY_PATH_PREFIX + ticket,
                          expiresAt,
                          d.id.toString()));
            });
  }
}
