/**
 * The arithmetic of the viewer's sound, kept apart from WebAudio and WebCodecs so that it can be
 * tested without a browser: when each decoded chunk plays, the level of the last second, and the
 * cutting of microphone samples into Opus frames.
 */

/** The wire format both ways (ADR 0044): Opus at 48 kHz in packets of 20 ms. */
export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960;

/** How far ahead of the playback clock a chunk is placed when playback (re)starts, in seconds. */
export const JITTER_TARGET_S = 0.06;
/**
 * How much sound may wait ahead of the playback clock before chunks are dropped, in seconds.
 * Packets that arrive in a burst after a network stall would otherwise delay the sound for
 * the rest of the session; dropping a few keeps it live.
 */
export const MAX_AHEAD_S = 0.2;

/** Where a decoded chunk goes: `start` in the AudioContext's clock, or `null` when dropped. */
export interface Placement {
  start: number | null;
  /** When the chunk after this one should start. */
  next: number;
}

/**
 * Places a chunk of `duration` seconds. Chunks follow each other back to back from `next`; when
 * `next` has passed (the first chunk, or the network was late and playback ran dry) the chunk
 * starts a jitter buffer ahead of `now`, so the next few packets can be late without a gap;
 * when more than `maxAhead` is already queued, the chunk is dropped and the queue drains.
 */
export function placeChunk(
  now: number,
  next: number | null,
  duration: number,
  { target = JITTER_TARGET_S, maxAhead = MAX_AHEAD_S } = {},
): Placement {
  if (next === null || next < now) {
    const start = now + target;
    return { start, next: start + duration };
  }
  if (next - now > maxAhead + target) return { start: null, next };
  return { start: next, next: next + duration };
}

/** The largest absolute sample of the given channels, 0..1 (clipped samples count as 1). */
export function peakOf(channels: readonly Float32Array[]): number {
  let peak = 0;
  for (const samples of channels) {
    for (let i = 0; i < samples.length; i++) {
      const v = Math.abs(samples[i]);
      if (v > peak) peak = v;
    }
  }
  return Math.min(peak, 1);
}

/** The peak level over a sliding window (by default the last second). */
export class PeakWindow {
  private readonly entries: { at: number; peak: number }[] = [];

  constructor(private readonly windowMs = 1000) {}

  /** Records the peak of a chunk seen at `at` (ms). */
  add(at: number, peak: number) {
    this.entries.push({ at, peak });
    this.drop(at);
  }

  /** The largest peak recorded within the window before `now` (ms); 0 when none. */
  peak(now: number): number {
    this.drop(now);
    let peak = 0;
    for (const e of this.entries) if (e.peak > peak) peak = e.peak;
    return peak;
  }

  private drop(now: number) {
    while (this.entries.length > 0 && this.entries[0].at <= now - this.windowMs) {
      this.entries.shift();
    }
  }
}

/**
 * Cuts a stream of sample blocks of any length (an AudioWorklet delivers 128 at a time) into
 * frames of exactly `size` samples, the unit each Opus packet carries.
 */
export class Framer {
  private buffer: Float32Array<ArrayBuffer>;
  private filled = 0;

  constructor(private readonly size = FRAME_SAMPLES) {
    this.buffer = new Float32Array(size);
  }

  /** Adds `samples`; returns the frames completed by them (each a new array). */
  push(samples: Float32Array): Float32Array<ArrayBuffer>[] {
    const frames: Float32Array<ArrayBuffer>[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(this.size - this.filled, samples.length - offset);
      this.buffer.set(samples.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        frames.push(this.buffer);
        this.buffer = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return frames;
  }
}
