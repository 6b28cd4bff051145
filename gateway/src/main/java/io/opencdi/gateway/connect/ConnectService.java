package io.opencdi.gateway.connect;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.common.InvalidStateException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.connect.api.ConnectionTicket;
import io.opencdi.gateway.connect.audio.AudioRoutes;
import io.opencdi.gateway.connect.limits.LimitsConfig;
import io.opencdi.gateway.connect.limits.ViewerLimits;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Issues display tickets, and audio tickets when the template has audio, for running desktops the
 * caller may act on.
 */
@ApplicationScoped
public class ConnectService {
  private final Db db;
  private final TicketStore tickets;
  private final ConnectConfig config;
  private final LimitsConfig limits;
  private final Clock clock;

  public ConnectService(
      Db db, TicketStore tickets, ConnectConfig config, LimitsConfig limits, Clock clock) {
    this.db = db;
    this.tickets = tickets;
    this.config = config;
    this.limits = limits;
    this.clock = clock;
  }

  private record Found(DesktopEntity desktop, TemplateEntity template) {}

  /**
   * A ticket for {@code desktopId}, bound to the caller, with the time limits of the desktop's
   * template that will apply to the display it opens.
   *
   * @param displayBase ws(s)://host[:port] of the gateway as the client reaches it
   */
  public Uni<ConnectionTicket> connect(Session session, UUID desktopId, String displayBase) {
    Caller caller = session.caller();
    return db.session(
            s ->
                s.find(DesktopEntity.class, desktopId)
                    .flatMap(
                        d ->
                            d == null
                                ? Uni.createFrom().item(new Found(null, null))
                                : s.find(TemplateEntity.class, d.templateId)
                                    .map(t -> new Found(d, t))))
        .flatMap(
            found -> {
              DesktopEntity d = found.desktop();
              TemplateEntity t = found.template();
              // Someone else's desktop is reported exactly like a missing one: no probing.
              if (d == null || !caller.mayActOn(d.ownerId) || d.state == DesktopState.DELETED) {
                throw new NotFoundException("no desktop with id " + desktopId);
              }
              if (d.state != DesktopState.RUNNING) {
                throw new InvalidStateException(
                    "the desktop is " + d.state + "; connect once it is RUNNING");
              }
              String ticket = Tickets.generate();
              Instant now = clock.instant();
              OffsetDateTime expiresAt =
                  now.plus(config.ticketTtl())
                      .truncatedTo(ChronoUnit.MILLIS)
                      .atOffset(ZoneOffset.UTC);
              Instant endsAt =
                  ViewerLimits.endsAt(
                      now.truncatedTo(ChronoUnit.MILLIS),
                      t == null ? null : t.maxSessionMinutes,
                      limits.minute());
              OffsetDateTime connectionEndsAt =
                  endsAt == null ? null : endsAt.atOffset(ZoneOffset.UTC);
              // The sound has a ticket of its own, issued only when the template has audio.
              boolean audio = t != null && t.audio;
              String audioTicket = audio ? Tickets.generate() : null;
              Uni<Void> issued =
                  issue(
                      TicketStore.Purpose.DISPLAY, ticket, session, d, expiresAt, connectionEndsAt);
              if (audio) {
                issued =
                    issued.chain(
                        () ->
                            issue(
                                TicketStore.Purpose.AUDIO,
                                audioTicket,
                                session,
                                d,
                                expiresAt,
                                connectionEndsAt));
              }
              return issued.replaceWith(
                  new ConnectionTicket(
                      displayBase + DisplayRoutes.DISPLAY_PATH_PREFIX + ticket,
                      expiresAt,
                      d.id.toString(),
                      t == null ? null : t.idleTimeoutMinutes,
                      connectionEndsAt,
                      audio ? displayBase + AudioRoutes.AUDIO_PATH_PREFIX + audioTicket : null,
                      audio && t.microphone));
            });
  }

  private Uni<Void> issue(
      TicketStore.Purpose purpose,
      String ticket,
      Session session,
      DesktopEntity d,
      OffsetDateTime expiresAt,
      OffsetDateTime connectionEndsAt) {
    return tickets.issue(
        purpose,
        ticket,
        session.caller().userId(),
        d.id,
        expiresAt,
        session.expiresAt().atOffset(ZoneOffset.UTC),
        session.tokenHash(),
        connectionEndsAt);
  }
}
