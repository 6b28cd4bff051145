import { placeChunk, peakOf, SAMPLE_RATE } from "./audioMaths";

/** Whether this browser has what playing the desktop's sound takes (WebCodecs and WebAudio). */
export function canPlaySound(): boolean {
  return typeof AudioDecoder !== "undefined" && typeof AudioContext !== "undefined";
}

const DECODER_CONFIG: AudioDecoderConfig = {
  codec: "opus",
  sampleRate: SAMPLE_RATE,
  numberOfChannels: 2,
};

/** Packets waiting in the decoder beyond this are dropped: the sound stays live, not late. */
const MAX_DECODE_QUEUE = 10;

export interface PlaybackEvents {
  /** A chunk was decoded; `peak` is its largest absolute sample (0..1). */
  decoded(peak: number): void;
  /** The decoder cannot be used (not supported, or it failed). */
  failed(error: unknown): void;
}

/**
 * Decodes the desktop's Opus packets (WebCodecs) and plays them through WebAudio, each chunk
 * placed right after the one before with a small jitter buffer (`placeChunk`). Created on the
 * user's gesture ("Sound" on), so that the browser lets its AudioContext run.
 */
export class OpusPlayback {
  readonly context: AudioContext;
  private decoder: AudioDecoder | null = null;
  private next: number | null = null;
  private timestamp = 0;
  private closed = false;
  private readonly output: GainNode;

  constructor(private readonly events: PlaybackEvents) {
    // The context runs at the stream's rate, so decoded chunks play without resampling.
    this.context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    this.output = this.context.createGain();
    this.output.connect(this.context.destination);
    void this.open();
  }

  /** Whether the browser holds the context until a user gesture (autoplay policy). */
  get suspended() {
    return this.context.state === "suspended";
  }

  /** Starts a context the autoplay policy held back; call it from a user gesture. */
  resume() {
    if (this.suspended) void this.context.resume().catch(() => {});
  }

  /** Decodes and plays one Opus packet (20 ms). */
  push(packet: ArrayBuffer) {
    const decoder = this.decoder;
    if (!decoder || decoder.state !== "configured") return;
    if (decoder.decodeQueueSize > MAX_DECODE_QUEUE) return;
    const chunk = new EncodedAudioChunk({ type: "key", timestamp: this.timestamp, data: packet });
    this.timestamp += 20_000;
    decoder.decode(chunk);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
    void this.context.close().catch(() => {});
  }

  private async open() {
    try {
      const support = await AudioDecoder.isConfigSupported(DECODER_CONFIG);
      if (!support.supported) throw new Error("Opus decoding is not supported");
    } catch (e) {
      if (!this.closed) this.events.failed(e);
      return;
    }
    if (this.closed) return;
    this.decoder = new AudioDecoder({
      output: (data) => this.play(data),
      error: (e) => {
        // A broken packet fails the decoder for good; a fresh one takes the next packets.
        if (this.closed) return;
        console.warn("Opus decoder failed; starting a new one", e);
        void this.open();
      },
    });
    this.decoder.configure(DECODER_CONFIG);
  }

  private play(data: AudioData) {
    try {
      if (this.closed) return;
      const channels: Float32Array<ArrayBuffer>[] = [];
      for (let c = 0; c < data.numberOfChannels; c++) {
        const plane = new Float32Array(data.numberOfFrames);
        // Every browser converts to f32-planar, whatever the decoder's own format.
        data.copyTo(plane, { planeIndex: c, format: "f32-planar" });
        channels.push(plane);
      }
      this.events.decoded(peakOf(channels));
      // A held context's clock stands still: nothing is queued until it runs.
      if (this.suspended) return;
      const duration = data.numberOfFrames / data.sampleRate;
      const placed = placeChunk(this.context.currentTime, this.next, duration);
      this.next = placed.next;
      if (placed.start === null) return;
      const buffer = this.context.createBuffer(
        channels.length,
        data.numberOfFrames,
        data.sampleRate,
      );
      channels.forEach((samples, c) => buffer.copyToChannel(samples, c));
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.output);
      source.start(placed.start);
    } finally {
      data.close();
    }
  }
}
