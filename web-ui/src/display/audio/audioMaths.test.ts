import { describe, expect, it } from "vitest";
import {
  FRAME_SAMPLES,
  Framer,
  JITTER_TARGET_S,
  MAX_AHEAD_S,
  PeakWindow,
  peakOf,
  placeChunk,
} from "./audioMaths";

const CHUNK = 0.02;

describe("placeChunk", () => {
  it("starts the first chunk a jitter buffer ahead of the clock", () => {
    expect(placeChunk(10, null, CHUNK)).toEqual({
      start: 10 + JITTER_TARGET_S,
      next: 10 + JITTER_TARGET_S + CHUNK,
    });
  });

  it("plays chunks back to back while they arrive in time", () => {
    let next: number | null = null;
    const starts: number[] = [];
    // Packets every 20 ms, each a little early or late (network jitter under the buffer).
    for (let i = 0; i < 50; i++) {
      const now = 5 + i * CHUNK + (i % 3) * 0.01;
      const placed = placeChunk(now, next, CHUNK);
      starts.push(placed.start!);
      next = placed.next;
    }
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeCloseTo(CHUNK);
  });

  it("restarts with a fresh buffer after playback ran dry", () => {
    // The last chunk ended at 3.0; the next packet comes 300 ms late.
    expect(placeChunk(3.3, 3.0, CHUNK).start).toBeCloseTo(3.3 + JITTER_TARGET_S);
  });

  it("drops chunks while too much is queued, so the sound stays live", () => {
    const now = 7;
    // A burst after a stall queued 400 ms: dropped, and the queue is left to drain.
    const tooFar = now + 0.4;
    expect(placeChunk(now, tooFar, CHUNK)).toEqual({ start: null, next: tooFar });
    // Once the queue is within the bound again, chunks follow on.
    const near = now + JITTER_TARGET_S + MAX_AHEAD_S - 0.01;
    expect(placeChunk(now, near, CHUNK).start).toBe(near);
  });
});

describe("peakOf", () => {
  it("is the largest absolute sample of all channels, at most 1", () => {
    expect(peakOf([new Float32Array([0.1, -0.5]), new Float32Array([0.3])])).toBeCloseTo(0.5);
    expect(peakOf([new Float32Array([1.7])])).toBe(1);
    expect(peakOf([new Float32Array(960)])).toBe(0);
  });
});

describe("PeakWindow", () => {
  it("keeps the loudest peak of the last second only", () => {
    const w = new PeakWindow(1000);
    w.add(0, 0.8);
    w.add(500, 0.2);
    expect(w.peak(900)).toBe(0.8);
    expect(w.peak(1200)).toBe(0.2);
    expect(w.peak(1600)).toBe(0);
  });
});

describe("Framer", () => {
  it("cuts blocks of 128 samples into frames of 960, keeping every sample in order", () => {
    const framer = new Framer();
    const frames: Float32Array[] = [];
    let n = 0;
    for (let block = 0; block < 20; block++) {
      const samples = new Float32Array(128).map(() => n++);
      frames.push(...framer.push(samples));
    }
    // 20 × 128 = 2560 samples: two whole frames, 640 waiting for the third.
    expect(frames).toHaveLength(2);
    expect(frames.every((f) => f.length === FRAME_SAMPLES)).toBe(true);
    expect(frames[0][0]).toBe(0);
    expect(frames[1][0]).toBe(960);
    expect(frames[1][959]).toBe(1919);
    const rest = framer.push(new Float32Array(320));
    expect(rest).toHaveLength(1);
    expect(rest[0][0]).toBe(1920);
  });

  it("completes several frames from one large block", () => {
    expect(new Framer(960).push(new Float32Array(960 * 3 + 1))).toHaveLength(3);
  });
});
