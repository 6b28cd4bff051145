import { FRAME_SAMPLES, Framer, SAMPLE_RATE } from "./audioMaths";

/** Whether this browser can send the microphone as Opus (WebCodecs, AudioWorklet, getUserMedia). */
export function canSendMicrophone(): boolean {
  return (
    typeof AudioEncoder !== "undefined" &&
    typeof AudioContext !== "undefined" &&
    typeof AudioWorkletNode !== "undefined" &&
    typeof navigator !== "undefined" &&
    typeof navigator.mediaDevices?.getUserMedia === "function"
  );
}

const ENCODER_CONFIG: AudioEncoderConfig = {
  codec: "opus",
  sampleRate: SAMPLE_RATE,
  numberOfChannels: 1,
  bitrate: 32_000,
  // One packet per 20 ms frame, the unit the gateway expects in each message.
  opus: { frameDuration: 20_000 },
};

/** Frames waiting in the encoder beyond this are dropped, so the microphone stays live. */
const MAX_ENCODE_QUEUE = 10;

/**
 * The user's microphone as Opus packets: getUserMedia, an AudioContext at 48 kHz (which
 * resamples whatever rate the device has), an AudioWorklet that hands out the mono samples,
 * 20 ms frames, WebCodecs' AudioEncoder. Each packet goes to `send` as it is encoded.
 */
export class MicrophoneCapture {
  private constructor(
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
    private readonly encoder: AudioEncoder,
  ) {}

  /**
   * Asks for the microphone and starts sending. Rejects when the browser cannot encode Opus or
   * the user (or the browser) refuses the microphone; `failed` reports later failures.
   */
  static async start(
    send: (packet: ArrayBuffer) => void,
    failed: (error: unknown) => void,
  ): Promise<MicrophoneCapture> {
    const support = await AudioEncoder.isConfigSupported(ENCODER_CONFIG);
    if (!support.supported) throw new Error("Opus encoding is not supported");
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    const encoder = new AudioEncoder({
      output: (chunk) => {
        const packet = new ArrayBuffer(chunk.byteLength);
        chunk.copyTo(packet);
        send(packet);
      },
      error: failed,
    });
    const capture = new MicrophoneCapture(stream, context, encoder);
    try {
      encoder.configure(ENCODER_CONFIG);
      await context.audioWorklet.addModule(new URL("./micCapture.worklet.js", import.meta.url));
      const node = new AudioWorkletNode(context, "opencdi-mic-capture", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        channelCount: 1,
        channelCountMode: "explicit",
      });
      const framer = new Framer(FRAME_SAMPLES);
      let timestamp = 0;
      node.port.onmessage = (e: MessageEvent<Float32Array>) => {
        for (const frame of framer.push(e.data)) {
          const at = timestamp;
          timestamp += (FRAME_SAMPLES * 1_000_000) / SAMPLE_RATE;
          if (encoder.state !== "configured" || encoder.encodeQueueSize > MAX_ENCODE_QUEUE) {
            continue;
          }
          const data = new AudioData({
            format: "f32-planar",
            sampleRate: SAMPLE_RATE,
            numberOfFrames: FRAME_SAMPLES,
            numberOfChannels: 1,
            timestamp: at,
            data: frame,
          });
          encoder.encode(data);
          data.close();
        }
      };
      context.createMediaStreamSource(stream).connect(node);
      // A node is processed only while it leads to the output; it writes silence there.
      node.connect(context.destination);
      if (context.state === "suspended") await context.resume();
    } catch (e) {
      capture.stop();
      throw e;
    }
    return capture;
  }

  /** Releases the microphone (the browser's recording indicator goes off). */
  stop() {
    for (const track of this.stream.getTracks()) track.stop();
    if (this.encoder.state !== "closed") this.encoder.close();
    void this.context.close().catch(() => {});
  }
}
