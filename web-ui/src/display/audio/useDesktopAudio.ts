import { useCallback, useEffect, useRef, useState } from "react";
import {
  explainAudioClose,
  explainMicrophoneError,
  NO_MICROPHONE_SUPPORT,
  NO_SOUND_SUPPORT,
  type AudioNotice,
} from "./audioCloseCodes";
import type { AudioLink } from "./audioLink";
import { PeakWindow } from "./audioMaths";
import { canSendMicrophone, MicrophoneCapture } from "./microphone";
import { canPlaySound, OpusPlayback } from "./playback";

/** Where the user's choice of sound on or off is remembered across visits. */
export const SOUND_KEY = "opencdi.viewer.sound";

/** What arrived and left so far; the viewer shows it (level meter) and tests read it. */
export interface AudioStats {
  /** Opus packets received from the desktop. */
  packets: number;
  /** Chunks decoded (played, unless dropped to stay live). */
  decoded: number;
  /** Largest absolute sample of the last second, 0..1. */
  peak: number;
  /** Opus packets of the microphone sent to the desktop. */
  micPackets: number;
}

/** A notice about the sound, with the close code when the socket closed. */
export type AudioMessage = AudioNotice & { code?: number; dismissed?: boolean };

const EMPTY: AudioStats = { packets: 0, decoded: 0, peak: 0, micPackets: 0 };
/** How often the counters reach React (and the page): a few times a second, not per packet. */
const STATS_INTERVAL_MS = 250;

function rememberedSound(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) === "on";
  } catch {
    return false;
  }
}

/**
 * The desktop's sound over a display connection's `link` (ADR 0044; null when the template has
 * no audio or no display is connected): counts the Opus packets that arrive and, while the user
 * has turned sound on, decodes and plays them. When `microphone` is true the user may turn the
 * microphone on, which is sent back on the same socket. A close by the gateway becomes a
 * `message` in plain words.
 */
export function useDesktopAudio(link: AudioLink | null, microphone: boolean) {
  const [soundOn, setSoundOn] = useState(rememberedSound);
  // The connection the user turned the microphone on for: a new connection starts with it off,
  // so it never comes back on by itself.
  const [micLink, setMicLink] = useState<AudioLink | null>(null);
  // The close of a link, kept with the link so a new connection starts without it.
  const [closed, setClosed] = useState<{ link: AudioLink; message: AudioMessage } | null>(null);
  // What the browser or the microphone refused; it stays until dismissed.
  const [notice, setNotice] = useState<AudioNotice | null>(null);
  const [unsupportedSeen, setUnsupportedSeen] = useState(false);
  const [stats, setStats] = useState<AudioStats>(EMPTY);
  const [waitingForGesture, setWaitingForGesture] = useState(false);
  const playback = useRef<OpusPlayback | null>(null);
  const counts = useRef({ ...EMPTY });
  const peaks = useRef(new PeakWindow(1000));

  useEffect(() => {
    if (!link) return;
    return link.listen({
      packet: (data) => {
        counts.current.packets++;
        playback.current?.push(data);
      },
      closed: (code, reason) => {
        setMicLink(null);
        setClosed({ link, message: { ...explainAudioClose(code, reason), code } });
      },
    });
  }, [link]);

  // Nothing crosses the network while the user has sound off (the counters then stand still).
  useEffect(() => {
    link?.setSound(soundOn);
  }, [link, soundOn]);

  const available = link !== null;
  const live = available && closed?.link !== link;
  const supported = canPlaySound();
  const micOn = live && microphone && micLink === link;

  // Playback runs while sound is on for a desktop with sound; the first time it is on that is
  // the user's press on "Sound", the gesture browsers want before sound may play.
  useEffect(() => {
    if (!soundOn || !available || !supported) return;
    const player = new OpusPlayback({
      decoded: (peak) => {
        counts.current.decoded++;
        peaks.current.add(performance.now(), peak);
      },
      failed: (e) => {
        console.warn("The desktop's sound cannot be decoded", e);
        setNotice(NO_SOUND_SUPPORT);
      },
    });
    playback.current = player;
    // Remembered "on" after a reload: the browser holds the context until the user's first
    // click or key on the page.
    const resume = () => player.resume();
    window.addEventListener("pointerdown", resume, { capture: true });
    window.addEventListener("keydown", resume, { capture: true });
    return () => {
      window.removeEventListener("pointerdown", resume, { capture: true });
      window.removeEventListener("keydown", resume, { capture: true });
      playback.current = null;
      player.close();
    };
  }, [soundOn, available, supported]);

  // The microphone runs while it is on, allowed, and the socket is there to carry it.
  useEffect(() => {
    if (!micOn || !link) return;
    let capture: MicrophoneCapture | null = null;
    let wanted = true;
    const stopped = (notice: AudioNotice) => {
      setMicLink(null);
      setNotice(notice);
    };
    MicrophoneCapture.start(
      (packet) => {
        if (link.send(packet)) counts.current.micPackets++;
      },
      (e) => stopped(explainMicrophoneError(e)),
    ).then(
      (c) => {
        if (wanted) capture = c;
        else c.stop();
      },
      (e) => {
        if (!wanted) return;
        const unsupported = e instanceof Error && /not supported/.test(e.message);
        stopped(unsupported ? NO_MICROPHONE_SUPPORT : explainMicrophoneError(e));
      },
    );
    return () => {
      wanted = false;
      capture?.stop();
    };
  }, [micOn, link]);

  // The counters reach the page a few times a second.
  useEffect(() => {
    if (!available) return;
    const timer = setInterval(() => {
      setWaitingForGesture(playback.current?.suspended ?? false);
      const next = { ...counts.current, peak: peaks.current.peak(performance.now()) };
      setStats((prev) =>
        prev.packets === next.packets &&
        prev.decoded === next.decoded &&
        prev.peak === next.peak &&
        prev.micPackets === next.micPackets
          ? prev
          : next,
      );
    }, STATS_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [available]);

  const toggleSound = useCallback(() => {
    const next = !soundOn;
    try {
      localStorage.setItem(SOUND_KEY, next ? "on" : "off");
    } catch {
      // Storage may be disabled; the choice then lasts as long as the page.
    }
    setSoundOn(next);
    if (!next) setNotice((n) => (n === NO_SOUND_SUPPORT ? null : n));
    // The press is a gesture: a context held back by the autoplay policy may start now.
    playback.current?.resume();
  }, [soundOn]);

  const toggleMic = useCallback(() => {
    if (!micOn && !canSendMicrophone()) {
      setNotice(NO_MICROPHONE_SUPPORT);
      return;
    }
    setMicLink(micOn ? null : link);
  }, [micOn, link]);

  const dismissMessage = useCallback(() => {
    setNotice(null);
    setUnsupportedSeen(true);
    setClosed((c) => (c ? { ...c, message: { ...c.message, dismissed: true } } : c));
  }, []);

  const closeMessage = closed && closed.link === link && !closed.message.dismissed;
  const message: AudioMessage | null =
    notice ??
    (soundOn && available && !supported && !unsupportedSeen ? NO_SOUND_SUPPORT : null) ??
    (closeMessage ? closed.message : null);

  return {
    /** A display connection carries sound now (its socket was not closed). */
    live,
    soundOn,
    toggleSound,
    /** The template takes the microphone. */
    microphone,
    micOn,
    toggleMic,
    stats,
    message,
    dismissMessage,
    /** Sound is on but the browser waits for a click or key before it plays. */
    waitingForGesture,
  };
}

export type DesktopAudio = ReturnType<typeof useDesktopAudio>;
