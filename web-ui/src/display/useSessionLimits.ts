import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import {
  NO_NOTICE,
  sameNotice,
  sessionLimitsAt,
  type LimitsNotice,
  type SessionLimits,
} from "./sessionLimits";

/** The user's input that reaches the desktop through noVNC, and so resets the broker's idle clock. */
const INPUT_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "paste"] as const;

/** Input closer together than this is recorded once: a moving mouse costs one time check. */
export const INPUT_THROTTLE_MS = 1000;

/**
 * What the viewer shows of a connection's time limits (`limits`: null while not connected), kept
 * current by one timer set to the next moment the notice changes (each second while a countdown
 * shows). The time is `Date.now()` and the timer `setTimeout`, which tests drive with fake timers.
 * Input inside `screen` (captured before noVNC takes it) resets the idle countdown; `noteInput`
 * records input that reaches the desktop otherwise, such as text sent to its clipboard.
 */
export function useSessionLimits(
  limits: SessionLimits | null,
  screen: RefObject<HTMLElement | null>,
) {
  // The notice of the limits it was computed for, so that a new connection never shows the old one.
  const [state, setState] = useState<{ of: SessionLimits | null; notice: LimitsNotice }>({
    of: null,
    notice: NO_NOTICE,
  });
  const onInput = useRef<() => void>(() => {});

  useEffect(() => {
    if (!limits) return;
    let lastInput = limits.startedAt;
    let shown: LimitsNotice | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = () => {
      const now = Date.now();
      const notice = sessionLimitsAt(now, limits, lastInput);
      if (!shown || !sameNotice(shown, notice)) {
        shown = notice;
        setState({ of: limits, notice });
      }
      clearTimeout(timer);
      timer =
        notice.nextChangeAt === null
          ? undefined
          : setTimeout(look, Math.max(0, notice.nextChangeAt - now));
    };
    const input = () => {
      const now = Date.now();
      if (now - lastInput < INPUT_THROTTLE_MS) return;
      lastInput = now;
      // Otherwise the timer, due when the warning would start, sees the new input by itself.
      if (shown?.idleCloseInMs != null) look();
    };
    onInput.current = input;
    // Capture: noVNC stops the events it takes from going further.
    const target = screen.current;
    const idle = limits.idleTimeoutMs !== null;
    if (idle) for (const e of INPUT_EVENTS) target?.addEventListener(e, input, { capture: true });
    // Browsers delay the timers of hidden tabs (up to a minute): look again on coming back.
    document.addEventListener("visibilitychange", look);
    look();
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", look);
      onInput.current = () => {};
      if (idle)
        for (const e of INPUT_EVENTS) target?.removeEventListener(e, input, { capture: true });
    };
  }, [limits, screen]);

  const noteInput = useCallback(() => onInput.current(), []);
  const notice = limits && state.of === limits ? state.notice : NO_NOTICE;
  return { notice, noteInput };
}
