package io.opencdi.gateway.connect;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Display tickets in PostgreSQL, so that any gateway replica redeems a ticket any replica issued.
 * Only the ticket's hash is stored. Redeeming is one conditional UPDATE … RETURNING: of two
 * concurrent attempts exactly one wins.
 */
@ApplicationScoped
public class TicketStore {
  private static final Logger LOG = Logger.getLogger(TicketStore.class);

  /**
   * How long a used or expired ticket is kept, so that a second attempt is told "used" or "expired"
   * rather than "unknown".
   */
  static final Duration KEEP_SPENT = Duration.ofHours(1);

  private final Pool pool;

  public TicketStore(Pool pool) {
    this.pool = pool;
  }

  /** What a ticket opens; each endpoint redeems only tickets of its own purpose. */
  public enum Purpose {
    DISPLAY,
    AUDIO
  }

  /** What redeeming a ticket gave. */
  public sealed interface Redemption {}

  /**
   * The ticket was valid and is now used. {@code sessionExpiresAt}: when the session that asked for
   * the ticket ends (null: never); {@code sessionHash}: that session's token fingerprint, whose
   * sign-out ends the display (null for tickets from before it was kept); {@code connectionEndsAt}:
   * when the template's {@code maxSessionMinutes} closes the display (null: no limit).
   */
  public record Redeemed(
      UUID userId,
      UUID desktopId,
      OffsetDateTime sessionExpiresAt,
      String sessionHash,
      OffsetDateTime connectionEndsAt)
      implements Redemption {}

  /** The ticket was refused; {@code code} is one of {@link DisplayCloseCodes}. */
  public record Refused(int code, String reason) implements Redemption {}

  /**
   * Stores a ticket of {@code purpose} for {@code userId} and {@code desktopId} that expires at
   * {@code expiresAt}; the display (or sound) it opens ends at {@code sessionExpiresAt}, or when
   * the session {@code sessionHash} is signed out, as the user's session does, and at {@code
   * connectionEndsAt} (null: no limit) by the template's session limit.
   */
  public Uni<Void> issue(
      Purpose purpose,
      String ticket,
      UUID userId,
      UUID desktopId,
      OffsetDateTime expiresAt,
      OffsetDateTime sessionExpiresAt,
      String sessionHash,
      OffsetDateTime connectionEndsAt) {
    return pool.preparedQuery(
            "insert into display_ticket (token_hash, user_id, desktop_id, expires_at,"
                + " session_expires_at, session_hash, connection_ends_at, purpose)"
                + " values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .execute(
            Tuple.from(
                new Object[] {
                  Tickets.hash(ticket),
                  userId,
                  desktopId,
                  expiresAt,
                  sessionExpiresAt,
                  sessionHash,
                  connectionEndsAt,
                  purpose.name()
                }))
        .replaceWithVoid();
  }

  /**
   * Uses the ticket up, or says why it cannot be used. A ticket of another purpose is not touched
   * and is refused as unknown.
   */
  public Uni<Redemption> redeem(Purpose purpose, String ticket) {
    if (!Tickets.wellFormed(ticket)) {
      return Uni.createFrom().item(new Refused(DisplayCloseCodes.TICKET_INVALID, "invalid ticket"));
    }
    String hash = Tickets.hash(ticket);
    return pool.preparedQuery(
            "update display_ticket set used_at = now()"
                + " where token_hash = $1 and purpose = $2 and used_at is null"
                + " and expires_at > now()"
                + " returning user_id, desktop_id, session_expires_at, session_hash,"
                + " connection_ends_at")
        .execute(Tuple.of(hash, purpose.name()))
        .flatMap(
            rows -> {
              if (rows.size() == 1) {
                Row row = rows.iterator().next();
                return Uni.createFrom()
                    .<Redemption>item(
                        new Redeemed(
                            row.getUUID("user_id"),
                            row.getUUID("desktop_id"),
                            row.getOffsetDateTime("session_expires_at"),
                            row.getString("session_hash"),
                            row.getOffsetDateTime("connection_ends_at")));
              }
              // Not redeemable: say why. The update above already decided; this only explains.
              return pool.preparedQuery(
                      "select used_at is not null as used from display_ticket"
                          + " where token_hash = $1 and purpose = $2")
                  .execute(Tuple.of(hash, purpose.name()))
                  .map(TicketStore::whyRefused);
            });
  }

  private static Redemption whyRefused(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return new Refused(DisplayCloseCodes.TICKET_INVALID, "invalid ticket");
    }
    return rows.iterator().next().getBoolean("used")
        ? new Refused(DisplayCloseCodes.TICKET_USED, "ticket already used")
        : new Refused(DisplayCloseCodes.TICKET_EXPIRED, "ticket expired");
  }

  /** Removes tickets that expired long enough ago. Every replica may run it; it is idempotent. */
  @Scheduled(
      every = "10m",
      delayed = "1m",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> sweep() {
    return pool.preparedQuery("delete from display_ticket where expires_at < $1")
        .execute(Tuple.of(OffsetDateTime.now().minus(KEEP_SPENT)))
        .invoke(rows -> LOG.debugf("swept %d spent display tickets", rows.rowCount()))
        .replaceWithVoid();
  }
}
