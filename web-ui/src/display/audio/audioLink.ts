/** What the viewer's sound hook hears of an audio socket. */
export interface AudioListener {
  /** One Opus packet from the desktop. */
  packet(data: ArrayBuffer): void;
  /** The gateway (or the network) closed the socket; not called for `close()`. */
  closed(code: number, reason: string): void;
}

/** The microphone's packets are dropped while this much is still unsent, so it stays live. */
const MAX_UNSENT_BYTES = 16 * 1024;

/**
 * What the page tells the gateway when the user turns sound off or on (`AudioCodec.SOUND_OFF` and
 * `SOUND_ON`): the agent stops encoding and nothing crosses the network while sound is off.
 */
export const SOUND_OFF = '{"sound":"off"}';
export const SOUND_ON = '{"sound":"on"}';

/**
 * The sound's WebSocket of one display connection (ADR 0044), opened by the display session
 * right after the display's own socket (each ticket works once, so it is opened exactly once,
 * outside React's effects) and closed with it. It remembers a close that came before anyone
 * listened, so a refusal is never lost between opening and the hook's effect.
 */
export class AudioLink {
  private readonly socket: WebSocket;
  private listener: AudioListener | null = null;
  private closedWith: { code: number; reason: string } | null = null;
  private ended = false;
  // What the gateway was last told (a tunnel starts with sound on), and what the user wants.
  private soundSent = true;
  private soundWanted = true;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = "arraybuffer";
    this.socket.addEventListener("open", () => this.tellSound());
    this.socket.addEventListener("message", (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) this.listener?.packet(e.data);
    });
    this.socket.addEventListener("close", (e) => {
      if (this.ended) return;
      this.ended = true;
      this.closedWith = { code: e.code, reason: e.reason };
      this.listener?.closed(e.code, e.reason);
    });
  }

  /** Whether the socket is (still) there to carry sound; false once either side closed it. */
  get live() {
    return !this.ended;
  }

  /** Sets the one listener; a close that already happened is reported at once. */
  listen(listener: AudioListener): () => void {
    this.listener = listener;
    if (this.closedWith) listener.closed(this.closedWith.code, this.closedWith.reason);
    return () => {
      if (this.listener === listener) this.listener = null;
    };
  }

  /** Sends one microphone packet; false when it was dropped (not open, or too much unsent). */
  send(packet: ArrayBuffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    if (this.socket.bufferedAmount > MAX_UNSENT_BYTES) return false;
    this.socket.send(packet);
    return true;
  }

  /**
   * Asks for the desktop's sound (`on`) or for none while the user has it off, so a muted viewer
   * costs neither the agent's encoder nor the network anything; sent once the socket is open.
   */
  setSound(on: boolean) {
    this.soundWanted = on;
    this.tellSound();
  }

  private tellSound() {
    if (this.socket.readyState !== WebSocket.OPEN || this.soundSent === this.soundWanted) return;
    this.socket.send(this.soundWanted ? SOUND_ON : SOUND_OFF);
    this.soundSent = this.soundWanted;
  }

  /** Closes the socket with the display; no listener hears of it. */
  close() {
    if (this.ended) return;
    this.ended = true;
    this.socket.close(1000);
  }
}
