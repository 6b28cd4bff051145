import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { useMutation, type CombinedError } from "urql";
import { ConnectDesktopDocument } from "../gql/graphql";
import { AudioLink } from "./audio/audioLink";
import { AUTO_RETRY_DELAYS_MS, explainClose, type CloseExplanation } from "./closeCodes";
import { openRfb, preloadRfb, type DisplayClose, type RfbSession } from "./novnc";
import { limitsOfTicket, type SessionLimits } from "./sessionLimits";

/** Where a display connection stands. */
export type DisplayPhase =
  | { kind: "idle" }
  | { kind: "connecting" }
  /** `limits`: the time limits the ticket announced, which the broker enforces. */
  | { kind: "connected"; limits: SessionLimits }
  /** connectDesktop itself was refused (the API's code and reason are in `error`). */
  | { kind: "refused"; error: CombinedError }
  /** The display WebSocket closed; `retryIn` is set while an automatic reconnect is pending. */
  | { kind: "closed"; code: number; explanation: CloseExplanation; retryIn: number | null };

/**
 * The sound of the desktop as of the latest ticket: null when its template has no audio.
 * `link` is the current connection's audio socket, null while no display is connected.
 */
export interface DisplayAudio {
  link: AudioLink | null;
  /** The template takes the viewer's microphone. */
  microphone: boolean;
}

/** Names of the performance marks the viewer sets, for measuring time to first frame. */
export const MARKS = {
  connect: "opencdi:connect-desktop",
  /** connectDesktop answered with a ticket (or a refusal). */
  ticket: "opencdi:display-ticket",
  rfbConnected: "opencdi:rfb-connected",
} as const;

/**
 * One display connection at a time to `desktopId`, drawn into `screen`: asks connectDesktop for
 * a ticket, opens noVNC on it, scales or resizes to the element, relays the desktop's clipboard,
 * and reconnects by itself (with a new ticket) after failures a retry can fix.
 */
export function useDisplaySession(desktopId: string, screen: RefObject<HTMLDivElement | null>) {
  const [, connectDesktop] = useMutation(ConnectDesktopDocument);
  const [phase, setPhase] = useState<DisplayPhase>({ kind: "idle" });
  const [remoteClipboard, setRemoteClipboard] = useState("");
  const [audio, setAudio] = useState<DisplayAudio | null>(null);
  const session = useRef<RfbSession | null>(null);
  const audioLink = useRef<AudioLink | null>(null);
  // Every connect() starts a new generation; events of older sessions are ignored.
  const generation = useRef(0);
  const attempts = useRef(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The automatic retry calls the newest connect().
  const connectRef = useRef<() => Promise<void>>(async () => {});

  // The sound's socket lives and dies with the display's.
  const closeAudio = useCallback(() => {
    const link = audioLink.current;
    audioLink.current = null;
    if (!link) return;
    link.close();
    setAudio((a) => (a ? { ...a, link: null } : a));
  }, []);

  const teardown = useCallback(() => {
    generation.current++;
    if (retryTimer.current) clearTimeout(retryTimer.current);
    retryTimer.current = null;
    const old = session.current;
    session.current = null;
    old?.disconnect();
    closeAudio();
  }, [closeAudio]);

  const connect = useCallback(async () => {
    teardown();
    const mine = generation.current;
    const current = () => generation.current === mine;
    setPhase({ kind: "connecting" });
    performance.mark(MARKS.connect);
    // noVNC loads while the ticket is asked for, not after it (a failed load shows in openRfb).
    preloadRfb().catch(() => {});
    const ticket = await connectDesktop({ id: desktopId });
    if (!current()) return;
    performance.mark(MARKS.ticket);
    if (ticket.error || !ticket.data) {
      if (ticket.error) setPhase({ kind: "refused", error: ticket.error });
      return;
    }
    const limits = limitsOfTicket(ticket.data.connectDesktop, Date.now());
    const target = screen.current;
    if (!target) return;
    let lastClose: DisplayClose | null = null;
    let rfb: RfbSession;
    try {
      rfb = await openRfb(target, ticket.data.connectDesktop.url, (c) => (lastClose = c));
    } catch (e) {
      if (current()) {
        const explanation = explainClose(1006, e instanceof Error ? e.message : String(e));
        setPhase({ kind: "closed", code: 1006, explanation, retryIn: null });
      }
      return;
    }
    if (!current()) {
      rfb.disconnect();
      return;
    }
    session.current = rfb;
    // The sound's ticket is single-use like the display's: opened once, right after it.
    const { audioUrl, microphone } = ticket.data.connectDesktop;
    audioLink.current = audioUrl ? new AudioLink(audioUrl) : null;
    setAudio(audioUrl ? { link: audioLink.current, microphone } : null);
    // Ask the desktop to take the element's size (Xvnc accepts SetDesktopSize); until it does,
    // or if it never does, noVNC scales the picture to fit instead of cropping it.
    rfb.resizeSession = true;
    rfb.scaleViewport = true;
    rfb.focusOnClick = true;
    rfb.background = "#1a1b1e";
    rfb.addEventListener("connect", () => {
      if (!current()) return;
      performance.mark(MARKS.rfbConnected);
      attempts.current = 0;
      setPhase({ kind: "connected", limits });
      rfb.focus();
    });
    rfb.addEventListener("disconnect", () => {
      if (!current()) return;
      session.current = null;
      closeAudio();
      const close = lastClose ?? { code: 1006, reason: "" };
      const explanation = explainClose(close.code, close.reason);
      const delay =
        explanation.retry === "auto" ? AUTO_RETRY_DELAYS_MS[attempts.current] : undefined;
      setPhase({ kind: "closed", code: close.code, explanation, retryIn: delay ?? null });
      if (delay !== undefined) {
        attempts.current++;
        retryTimer.current = setTimeout(() => void connectRef.current(), delay);
      }
    });
    rfb.addEventListener("clipboard", (e) => {
      if (!current()) return;
      const text = (e as CustomEvent<{ text: string }>).detail.text;
      setRemoteClipboard(text);
      // Allowed only while the page has focus (and, in some browsers, after a user gesture);
      // the clipboard panel shows the text either way.
      navigator.clipboard?.writeText(text).catch(() => {});
    });
  }, [connectDesktop, desktopId, screen, teardown, closeAudio]);

  useEffect(() => {
    connectRef.current = connect;
  }, [connect]);

  /** Stops the connection (and any pending retry) without a message. */
  const disconnect = useCallback(() => {
    teardown();
    attempts.current = 0;
    setPhase({ kind: "idle" });
  }, [teardown]);

  /** A reconnect the user asked for starts the automatic retries afresh. */
  const reconnect = useCallback(() => {
    attempts.current = 0;
    void connect();
  }, [connect]);

  const sendClipboard = useCallback((text: string) => {
    session.current?.clipboardPasteFrom(text);
    session.current?.focus();
  }, []);

  const sendCtrlAltDel = useCallback(() => session.current?.sendCtrlAltDel(), []);

  useEffect(() => teardown, [teardown]);

  return {
    phase,
    connect,
    reconnect,
    disconnect,
    remoteClipboard,
    sendClipboard,
    sendCtrlAltDel,
    audio,
  };
}
