import { describe, expect, it } from "vitest";
import {
  formatCountdown,
  formatEndTime,
  limitsOfTicket,
  NO_NOTICE,
  sameNotice,
  sessionLimitsAt,
  type SessionLimits,
} from "./sessionLimits";

const MIN = 60_000;
const t0 = Date.parse("2026-11-28T10:00:00Z");

const limits = (over: Partial<SessionLimits> = {}): SessionLimits => ({
  endsAt: null,
  idleTimeoutMs: null,
  startedAt: t0,
  ...over,
});

/** What the viewer's texts would say: the countdowns as shown. */
const shown = (now: number, l: SessionLimits, lastInputAt = t0) => {
  const n = sessionLimitsAt(now, l, lastInputAt);
  return {
    endsAt: n.endsAt,
    endsIn: n.endsInMs === null ? null : formatCountdown(n.endsInMs),
    idleCloseIn: n.idleCloseInMs === null ? null : formatCountdown(n.idleCloseInMs),
  };
};

describe("sessionLimitsAt", () => {
  it("shows nothing and never looks again for a connection without limits", () => {
    for (const now of [t0, t0 + 59 * MIN, t0 + 48 * 60 * MIN]) {
      expect(sessionLimitsAt(now, limits(), t0)).toEqual(NO_NOTICE);
    }
  });

  it("shows when the session ends and looks again when its warning is due", () => {
    const end = t0 + 90 * MIN;
    const n = sessionLimitsAt(t0 + MIN, limits({ endsAt: end }), t0);
    expect(n).toEqual({
      endsAt: end,
      endsInMs: null,
      idleCloseInMs: null,
      nextChangeAt: end - 5 * MIN,
    });
  });

  it("counts down the session's last five minutes", () => {
    const end = t0 + 60 * MIN;
    const l = limits({ endsAt: end });
    expect(shown(end - 5 * MIN - 1, l).endsIn).toBeNull();
    expect(shown(end - 5 * MIN, l).endsIn).toBe("5:00");
    expect(shown(end - 5 * MIN + 1, l).endsIn).toBe("5:00");
    expect(shown(end - 5 * MIN + 1000, l).endsIn).toBe("4:59");
    expect(shown(end - 61_500, l).endsIn).toBe("1:02");
    expect(shown(end - 1, l).endsIn).toBe("0:01");
    // Past the end (the broker's close is on its way) the countdown stays at zero.
    expect(shown(end + 5000, l)).toEqual({ endsAt: end, endsIn: "0:00", idleCloseIn: null });
    // It ticks when the shown second changes, and no longer after the end.
    expect(sessionLimitsAt(end - 61_500, l, t0).nextChangeAt).toBe(end - 61_000);
    expect(sessionLimitsAt(end - 60_000, l, t0).nextChangeAt).toBe(end - 59_000);
    expect(sessionLimitsAt(end, l, t0).nextChangeAt).toBeNull();
  });

  it("warns from 60 seconds before the idle limit and forgets it on input", () => {
    const l = limits({ idleTimeoutMs: 15 * MIN });
    expect(shown(t0 + 14 * MIN - 1, l).idleCloseIn).toBeNull();
    expect(sessionLimitsAt(t0 + MIN, l, t0).nextChangeAt).toBe(t0 + 14 * MIN);
    expect(shown(t0 + 14 * MIN, l).idleCloseIn).toBe("1:00");
    expect(shown(t0 + 14 * MIN + 1000, l).idleCloseIn).toBe("0:59");
    expect(shown(t0 + 15 * MIN - 1, l).idleCloseIn).toBe("0:01");
    // Input at 14:01 starts the idle clock afresh: no warning until 13 minutes later.
    const input = t0 + 14 * MIN + 1000;
    expect(shown(input, l, input).idleCloseIn).toBeNull();
    expect(sessionLimitsAt(input, l, input).nextChangeAt).toBe(input + 14 * MIN);
    expect(shown(input + 14 * MIN, l, input).idleCloseIn).toBe("1:00");
  });

  it("counts idle time from the connection's start when there was no input yet", () => {
    const l = limits({ idleTimeoutMs: 10 * MIN, startedAt: t0 + 5 * MIN });
    expect(shown(t0 + 13 * MIN, l, t0).idleCloseIn).toBeNull();
    expect(shown(t0 + 14 * MIN, l, t0).idleCloseIn).toBe("1:00");
  });

  it("never warns of idleness without an idle limit", () => {
    const l = limits({ endsAt: t0 + 24 * 60 * MIN });
    for (const now of [t0 + 14 * MIN, t0 + 15 * MIN, t0 + 10 * 60 * MIN]) {
      expect(shown(now, l).idleCloseIn).toBeNull();
    }
  });

  it("warns of the session's end rather than of idleness when the end comes first", () => {
    const l = limits({ endsAt: t0 + 15 * MIN, idleTimeoutMs: 15 * MIN + 30_000 });
    expect(shown(t0 + 14 * MIN + 40_000, l)).toEqual({
      endsAt: t0 + 15 * MIN,
      endsIn: "0:20",
      idleCloseIn: null,
    });
    // Both warnings when the idle limit would close it first.
    const both = limits({ endsAt: t0 + 16 * MIN, idleTimeoutMs: 15 * MIN });
    expect(shown(t0 + 14 * MIN + 30_000, both)).toEqual({
      endsAt: t0 + 16 * MIN,
      endsIn: "1:30",
      idleCloseIn: "0:30",
    });
  });

  it("warns for the last half of an idle limit shorter than two minutes", () => {
    const l = limits({ idleTimeoutMs: MIN });
    expect(shown(t0 + 29_999, l).idleCloseIn).toBeNull();
    expect(shown(t0 + 30_000, l).idleCloseIn).toBe("0:30");
  });
});

describe("limitsOfTicket", () => {
  it("reads the ticket's limits, null meaning none", () => {
    expect(
      limitsOfTicket({ sessionEndsAt: "2026-11-28T11:00:00Z", idleTimeoutMinutes: 15 }, t0),
    ).toEqual({ endsAt: t0 + 60 * MIN, idleTimeoutMs: 15 * MIN, startedAt: t0 });
    expect(limitsOfTicket({ sessionEndsAt: null, idleTimeoutMinutes: null }, t0)).toEqual(limits());
  });
});

describe("sameNotice", () => {
  it("tells apart notices that show different seconds only", () => {
    const l = limits({ endsAt: t0 + 5 * MIN });
    const a = sessionLimitsAt(t0 + 100, l, t0);
    expect(sameNotice(a, sessionLimitsAt(t0 + 900, l, t0))).toBe(true);
    expect(sameNotice(a, sessionLimitsAt(t0 + 1000, l, t0))).toBe(false);
  });
});

describe("formatting", () => {
  it("shows countdowns in minutes and seconds, rounded up", () => {
    expect(formatCountdown(300_000)).toBe("5:00");
    expect(formatCountdown(299_001)).toBe("5:00");
    expect(formatCountdown(299_000)).toBe("4:59");
    expect(formatCountdown(7_000)).toBe("0:07");
    expect(formatCountdown(0)).toBe("0:00");
    expect(formatCountdown(-5)).toBe("0:00");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
  });

  it("shows the end in local time, with the weekday when it is not today", () => {
    const now = new Date(2026, 10, 28, 9, 0).getTime(); // Saturday, local time
    expect(formatEndTime(new Date(2026, 10, 28, 14, 30).getTime(), now, "en-GB")).toBe("14:30");
    expect(formatEndTime(new Date(2026, 10, 29, 9, 15).getTime(), now, "en-GB")).toBe("Sun 09:15");
  });
});
