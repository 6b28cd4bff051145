package io.opencdi.gateway.connect.limits;

import io.opencdi.gateway.connect.DisplayCloseCodes;
import java.time.Duration;
import java.time.Instant;

/**
 * The time limits of one viewer connection, from the desktop's template, and what they decide at a
 * given instant. Pure: the broker asks it with its clock's time and the viewer's last input, so the
 * rules are tested without a server (docs/adr/0034-session-limits.md).
 *
 * @param idleTimeoutMinutes the template's idle limit (null: none): the connection is closed once
 *     the viewer sent no key, pointer or paste for this many minutes
 * @param endsAt when the connection is closed whatever the viewer does (null: never), fixed when
 *     the ticket was issued from the template's {@code maxSessionMinutes}
 * @param minute the length of one of the template's minutes ({@code opencdi.limits.minute}): a
 *     minute, shorter only in tests
 */
public record ViewerLimits(Integer idleTimeoutMinutes, Instant endsAt, Duration minute) {
  /** A connection without time limits. */
  public static final ViewerLimits NONE = new ViewerLimits(null, null, Duration.ofMinutes(1));

  /** What the limits decide about a connection at some instant. */
  public sealed interface Verdict {}

  /** The connection stays; ask again at {@code until} (null: no limit will ever close it). */
  public record Keep(Instant until) implements Verdict {}

  /** Close the connection with {@code code} (a {@link DisplayCloseCodes}) and {@code reason}. */
  public record Close(int code, String reason) implements Verdict {}

  /**
   * When a connection opened from a ticket issued at {@code issuedAt} is closed by a template's
   * {@code maxSessionMinutes} (null: never).
   */
  public static Instant endsAt(Instant issuedAt, Integer maxSessionMinutes, Duration minute) {
    return maxSessionMinutes == null ? null : issuedAt.plus(minute.multipliedBy(maxSessionMinutes));
  }

  /** Whether any limit applies, so the broker needs to watch the connection at all. */
  public boolean any() {
    return idleTimeoutMinutes != null || endsAt != null;
  }

  /**
   * What the limits decide at {@code now} for a viewer whose last key, pointer or paste (or the
   * connection's start) was at {@code lastInput}. The session's end wins when both are due.
   */
  public Verdict judge(Instant now, Instant lastInput) {
    if (endsAt != null && !now.isBefore(endsAt)) {
      return new Close(DisplayCloseCodes.SESSION_LIMIT, "the session reached its time limit");
    }
    Instant idleAt = null;
    if (idleTimeoutMinutes != null) {
      idleAt = lastInput.plus(minute.multipliedBy(idleTimeoutMinutes));
      if (!now.isBefore(idleAt)) {
        return new Close(
            DisplayCloseCodes.INPUT_IDLE,
            "closed after "
                + idleTimeoutMinutes
                + (idleTimeoutMinutes == 1 ? " minute" : " minutes")
                + " without keyboard or mouse input");
      }
    }
    if (idleAt == null) {
      return new Keep(endsAt);
    }
    return new Keep(endsAt == null || idleAt.isBefore(endsAt) ? idleAt : endsAt);
  }
}
