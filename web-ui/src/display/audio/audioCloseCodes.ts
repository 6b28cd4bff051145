/**
 * What the sound WebSocket's close codes mean to a user (ADR 0044, docs/api.md): the display's
 * codes where they apply, worded for sound, plus 4422, 4423 and 4429. The sound never reconnects by
 * itself: it needs a new connectDesktop ticket, which the display's reconnect brings.
 */
export interface AudioNotice {
  /** Short headline. */
  title: string;
  /** What happened and what the user can do, in plain words. */
  message: string;
}

const RECONNECT = "Reconnect the viewer to get the sound back.";

const EXPLANATIONS: Record<number, AudioNotice> = {
  1000: {
    title: "Sound ended",
    message: `The desktop's sound server ended the stream. ${RECONNECT}`,
  },
  1006: {
    title: "Sound connection lost",
    message: `The sound's connection to the gateway dropped. ${RECONNECT}`,
  },
  1011: { title: "Sound stopped", message: `The gateway failed unexpectedly. ${RECONNECT}` },
  4000: {
    title: "Sound disconnected after inactivity",
    message: `Nothing came through the sound connection for a long time. ${RECONNECT}`,
  },
  4001: {
    title: "Signed out",
    message: "Your session ended, and the sound with it. Sign in again to reconnect.",
  },
  4401: {
    title: "Sound refused",
    message:
      "The gateway did not recognise the sound's ticket, or you may no longer use this desktop.",
  },
  4403: {
    title: "Sound refused",
    message:
      "This page's address is not allowed to open desktops (a gateway configuration issue: opencdi.public-url or opencdi.connect.allowed-origins).",
  },
  4404: {
    title: "The desktop is not running",
    message: "The desktop was stopped or deleted, so there is no sound to play.",
  },
  4408: {
    title: "Sound ticket expired",
    message: `The sound's ticket expired before it was used. ${RECONNECT}`,
  },
  4409: {
    title: "Sound ticket already used",
    message: `Each sound connection needs a new ticket. ${RECONNECT}`,
  },
  4410: {
    title: "No sound",
    message: "This desktop has no sound to play (its runtime or desktop has no sound server).",
  },
  4422: {
    title: "Sound stopped",
    message: `The gateway refused a message of the viewer that is not an Opus packet. ${RECONNECT}`,
  },
  4423: {
    title: "Microphone not allowed",
    message: `This desktop's template does not take the microphone; the viewer sent it anyway. ${RECONNECT}`,
  },
  4429: {
    title: "Too many sound connections",
    message:
      "You already hold as many sound connections as the gateway allows one user (in other viewers or tabs); close one of them and reconnect.",
  },
  4502: {
    title: "Sound not reachable",
    message: `The cluster could not reach the desktop's sound. ${RECONNECT}`,
  },
  4503: {
    title: "Cluster not reachable",
    message: `The desktop's cluster is not connected to the gateway at the moment. ${RECONNECT}`,
  },
  4504: {
    title: "Cluster did not answer",
    message: `The desktop's cluster did not open the sound connection in time. ${RECONNECT}`,
  },
};

/** The explanation for a close code of the sound; unknown codes show the code and reason. */
export function explainAudioClose(code: number, reason = ""): AudioNotice {
  return (
    EXPLANATIONS[code] ?? {
      title: "Sound stopped",
      message: `The sound connection closed (code ${code}${reason ? `: ${reason}` : ""}).`,
    }
  );
}

/** Shown when the browser lacks WebCodecs or WebAudio (or their Opus support). */
export const NO_SOUND_SUPPORT: AudioNotice = {
  title: "No sound in this browser",
  message:
    "This browser cannot play the desktop's sound (it lacks WebCodecs' Opus decoder); a current Chrome, Edge or Firefox can.",
};

/** Shown when the browser lacks an Opus encoder or AudioWorklet. */
export const NO_MICROPHONE_SUPPORT: AudioNotice = {
  title: "No microphone in this browser",
  message:
    "This browser cannot send your microphone to the desktop (it lacks WebCodecs' Opus encoder).",
};

/** Explains why the microphone could not be opened (a getUserMedia refusal). */
export function explainMicrophoneError(error: unknown): AudioNotice {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return {
      title: "Microphone blocked",
      message:
        "The browser did not allow this page to use the microphone. Allow it in the site's settings, then turn the microphone on again.",
    };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return { title: "No microphone", message: "The browser found no microphone to use." };
  }
  if (name === "NotReadableError") {
    return {
      title: "Microphone busy",
      message: "The microphone could not be read; another program may be using it.",
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { title: "Microphone failed", message: `The microphone could not be opened (${detail}).` };
}
