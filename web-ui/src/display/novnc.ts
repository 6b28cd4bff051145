/**
 * The viewer's one boundary to noVNC: opens the display WebSocket itself (so that the close code
 * the gateway sends is visible — noVNC's `disconnect` event only says clean or not) and hands it
 * to noVNC's RFB. noVNC is loaded on first use, so pages without a viewer never download it; a
 * page about to show a viewer (the launch dialog) may load it ahead with `preloadRfb`.
 * Unit tests replace this module; the browser end-to-end test runs the real thing.
 */

/** What the viewer needs of noVNC's RFB object. */
export interface RfbSession extends EventTarget {
  scaleViewport: boolean;
  resizeSession: boolean;
  clipViewport: boolean;
  focusOnClick: boolean;
  background: string;
  disconnect(): void;
  focus(options?: FocusOptions): void;
  clipboardPasteFrom(text: string): void;
  sendCtrlAltDel(): void;
}

export interface DisplayClose {
  code: number;
  reason: string;
}

type RfbModule = typeof import("@novnc/novnc");
let loading: Promise<RfbModule> | null = null;

/**
 * Starts loading noVNC (once per page) without waiting for it, so a viewer opened soon after does
 * not wait for the download. A failed load is tried again by the next caller.
 */
export function preloadRfb(): Promise<RfbModule> {
  loading ??= import("@novnc/novnc").catch((e: unknown) => {
    loading = null;
    throw e;
  });
  return loading;
}

/**
 * Connects noVNC to `url` (a display ticket URL) inside `target`. `onClose` receives the
 * WebSocket's close code before noVNC reports its `disconnect` event.
 */
export async function openRfb(
  target: HTMLElement,
  url: string,
  onClose: (close: DisplayClose) => void,
): Promise<RfbSession> {
  const { default: RFB } = await preloadRfb();
  // The gateway accepts the `binary` subprotocol (what noVNC offers) or none.
  const socket = new WebSocket(url, ["binary"]);
  socket.addEventListener("close", (e) => onClose({ code: e.code, reason: e.reason }));
  return new RFB(target, socket, { shared: true });
}
