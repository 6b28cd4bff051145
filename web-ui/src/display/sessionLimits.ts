/**
 * What the viewer tells the user about the time limits of a display connection: when the session
 * ends (the broker closes with 4003 at `sessionEndsAt`) and when the idle limit would close it
 * (4002 after `idleTimeoutMinutes` without key, pointer or paste). Pure: given the time and the
 * user's last input it answers what to show and when that next changes, so the rules are tested
 * without a clock (docs/adr/0034-session-limits.md). The broker decides; the viewer only warns.
 */

/** How long before the session's end the viewer warns with a countdown. */
export const SESSION_END_WARNING_MS = 5 * 60_000;

/**
 * How long before the idle limit the viewer warns with a countdown; at most half the limit, so a
 * one-minute limit is not a warning shown all the time.
 */
export const IDLE_WARNING_MS = 60_000;

/** The limits of one connection, from its ticket. */
export interface SessionLimits {
  /** When the broker closes the connection whatever the user does (epoch ms); null: never. */
  endsAt: number | null;
  /** How long without input the broker allows (ms); null: no idle limit. */
  idleTimeoutMs: number | null;
  /**
   * When the idle clock started (epoch ms): the ticket's arrival, a moment before the broker
   * starts its own when the display opens, so the viewer's warning comes early rather than late.
   */
  startedAt: number;
}

/** The limits a connectDesktop ticket announces, taken at `now` (epoch ms). */
export function limitsOfTicket(
  ticket: { sessionEndsAt?: string | null; idleTimeoutMinutes?: number | null },
  now: number,
): SessionLimits {
  const endsAt = ticket.sessionEndsAt ? Date.parse(ticket.sessionEndsAt) : NaN;
  const idle = ticket.idleTimeoutMinutes;
  return {
    endsAt: Number.isFinite(endsAt) ? endsAt : null,
    idleTimeoutMs: idle != null && idle > 0 ? idle * 60_000 : null,
    startedAt: now,
  };
}

/** What the viewer shows at some instant. */
export interface LimitsNotice {
  /** When the session ends (epoch ms), shown while connected; null: no session limit. */
  endsAt: number | null;
  /** Time left until the session's end, set from SESSION_END_WARNING_MS before it. */
  endsInMs: number | null;
  /** Time left until the idle limit closes the display, set from IDLE_WARNING_MS before it. */
  idleCloseInMs: number | null;
  /** When any of the above next changes (epoch ms), to look again then; null: never. */
  nextChangeAt: number | null;
}

/** Nothing to show: a connection without limits, or none at all. */
export const NO_NOTICE: LimitsNotice = {
  endsAt: null,
  endsInMs: null,
  idleCloseInMs: null,
  nextChangeAt: null,
};

/**
 * What to show at `now` for a connection with `limits` whose user last gave input at
 * `lastInputAt` (epoch ms; the connection's start counts as input). The idle warning is left out
 * when the session ends first: the end's own warning says more.
 */
export function sessionLimitsAt(
  now: number,
  limits: SessionLimits,
  lastInputAt: number,
): LimitsNotice {
  const changes: number[] = [];
  let endsInMs: number | null = null;
  if (limits.endsAt !== null) {
    const left = limits.endsAt - now;
    if (left <= SESSION_END_WARNING_MS) {
      endsInMs = Math.max(0, left);
      if (left > 0) changes.push(now + untilNextSecond(left));
    } else {
      changes.push(limits.endsAt - SESSION_END_WARNING_MS);
    }
  }
  let idleCloseInMs: number | null = null;
  if (limits.idleTimeoutMs !== null) {
    const idleAt = Math.max(lastInputAt, limits.startedAt) + limits.idleTimeoutMs;
    const warnFor = Math.min(IDLE_WARNING_MS, limits.idleTimeoutMs / 2);
    const endsFirst = limits.endsAt !== null && limits.endsAt <= idleAt;
    if (!endsFirst) {
      const left = idleAt - now;
      if (left <= warnFor) {
        idleCloseInMs = Math.max(0, left);
        if (left > 0) changes.push(now + untilNextSecond(left));
      } else {
        changes.push(idleAt - warnFor);
      }
    }
  }
  return {
    endsAt: limits.endsAt,
    endsInMs,
    idleCloseInMs,
    nextChangeAt: changes.length ? Math.min(...changes) : null,
  };
}

/** How long until a countdown of `left` ms, shown in whole seconds rounded up, shows the next. */
function untilNextSecond(left: number): number {
  return ((left - 1) % 1000) + 1;
}

/** Whether two notices show the same (ignoring when they next change). */
export function sameNotice(a: LimitsNotice, b: LimitsNotice): boolean {
  const seconds = (ms: number | null) => (ms === null ? null : Math.ceil(ms / 1000));
  return (
    a.endsAt === b.endsAt &&
    seconds(a.endsInMs) === seconds(b.endsInMs) &&
    seconds(a.idleCloseInMs) === seconds(b.idleCloseInMs)
  );
}

/** A countdown as the viewer shows it: "4:59", "0:07", "1:02:03"; seconds rounded up. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * The session's end in local time: "14:30" on the same day, with the weekday on another
 * ("Tue 09:15"). `locale` defaults to the browser's.
 */
export function formatEndTime(endsAt: number, now: number, locale?: string): string {
  const end = new Date(endsAt);
  const sameDay = end.toDateString() === new Date(now).toDateString();
  return new Intl.DateTimeFormat(locale, {
    weekday: sameDay ? undefined : "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(end);
}
