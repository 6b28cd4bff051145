/**
 * What the display endpoint's WebSocket close codes mean to a user (the gateway's
 * DisplayCloseCodes, docs/api.md), and whether reconnecting by itself can help.
 */
export interface CloseExplanation {
  /** Short headline. */
  title: string;
  /** What happened and what the user can do, in plain words. */
  message: string;
  /**
   * `auto`: a transient failure that a new ticket or a moment's wait usually fixes, so the viewer
   * retries by itself a few times; `manual`: offer "Reconnect" only.
   */
  retry: "auto" | "manual";
}

const EXPLANATIONS: Record<number, CloseExplanation> = {
  1000: {
    title: "Disconnected",
    message: "The desktop ended the session (it may have been powered off or restarted).",
    retry: "manual",
  },
  1003: {
    title: "Disconnected",
    message: "The viewer sent data the display does not accept. Reconnect to start afresh.",
    retry: "manual",
  },
  1006: {
    title: "Connection lost",
    message:
      "The connection to the gateway dropped. Check your network; the desktop keeps running.",
    retry: "auto",
  },
  1009: {
    title: "Disconnected",
    message:
      "The viewer sent a message larger than the gateway accepts. Reconnect to start afresh.",
    retry: "manual",
  },
  4000: {
    title: "Disconnected after inactivity",
    message: "Nothing happened on the display for a long time. Your desktop is still running.",
    retry: "manual",
  },
  4001: {
    title: "Signed out",
    message:
      "Your session ended (it expired or you signed out), and a connection lasts no longer than the session. Sign in again to reconnect; your desktop is still running.",
    retry: "manual",
  },
  4002: {
    title: "Disconnected for inactivity",
    message:
      "There was no keyboard or mouse input for the time this desktop allows. Your desktop is still running; reconnect to go on.",
    retry: "manual",
  },
  4003: {
    title: "Session time limit reached",
    message:
      "The session lasted as long as this desktop allows. Your desktop is still running; reconnect to start a new session.",
    retry: "manual",
  },
  4401: {
    title: "Connection refused",
    message:
      "The gateway did not recognise the connection ticket, or you may no longer use this desktop.",
    retry: "manual",
  },
  4403: {
    title: "Connection refused",
    message:
      "This page's address is not allowed to open desktops (a gateway configuration issue: opencdi.public-url or opencdi.connect.allowed-origins).",
    retry: "manual",
  },
  4404: {
    title: "The desktop is not running",
    message: "The desktop was stopped or deleted. Power it on to connect again.",
    retry: "manual",
  },
  4408: {
    title: "Connection ticket expired",
    message: "The ticket expired before it was used. A new one is requested when you reconnect.",
    retry: "auto",
  },
  4409: {
    title: "Connection ticket already used",
    message: "Each connection needs a new ticket; one is requested when you reconnect.",
    retry: "auto",
  },
  4410: {
    title: "No display",
    message: "This desktop has no display to show (a simulated desktop draws nothing).",
    retry: "manual",
  },
  4422: {
    title: "Disconnected",
    message:
      "The gateway does not pass on what the viewer or the desktop sent (an unsupported display protocol). Reconnect to start afresh.",
    retry: "manual",
  },
  4502: {
    title: "Display not reachable",
    message: "The cluster could not reach the desktop's display. It may still be starting.",
    retry: "auto",
  },
  4503: {
    title: "Cluster not reachable",
    message: "The desktop's cluster is not connected to the gateway at the moment.",
    retry: "auto",
  },
  4504: {
    title: "Cluster did not answer",
    message: "The desktop's cluster did not open the display connection in time.",
    retry: "auto",
  },
};

/** The explanation for a close code; unknown codes get a generic one that shows the code. */
export function explainClose(code: number, reason = ""): CloseExplanation {
  const known = EXPLANATIONS[code];
  // The idle close says how long the template allows ("closed after 15 minutes without …").
  if (known && code === 4002 && reason) {
    return {
      ...known,
      message: `The display was ${reason}. Your desktop is still running; reconnect to go on.`,
    };
  }
  if (known) return known;
  return {
    title: "Disconnected",
    message: `The display connection closed (code ${code}${reason ? `: ${reason}` : ""}).`,
    retry: "manual",
  };
}

/** Delays before each automatic reconnection; after the last the user decides. */
export const AUTO_RETRY_DELAYS_MS = [500, 2000, 5000] as const;
