package io.opencdi.gateway.connect.audio;

import io.opencdi.gateway.connect.DialBack;
import io.opencdi.gateway.connect.DisplayCloseCodes;
import io.opencdi.gateway.connect.Tunnels;
import io.opencdi.protocol.AudioCodec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Joins a viewer's audio WebSocket and the agent's audio tunnel (ADR 0044). Each binary message is
 * one Opus packet ({@link AudioCodec}). Unlike the display, sound is not slowed to the slower side:
 * a packet whose receiver's write queue is full is dropped, so what the user hears stays live. The
 * viewer's packets (its microphone) pass only when the template allows a microphone; anything that
 * is no packet closes the viewer with a code, except the sound off and on messages ({@link
 * AudioCodec#SOUND_OFF}), which pass to the agent so a muted viewer costs no encoding and no
 * bandwidth. Either side closing closes the other.
 */
final class AudioRelay {
  /** What the relay counts, for the gateway's metrics. */
  interface Counters {
    void dropped();

    void ended();
  }

  private final Vertx vertx;
  private final WebSocketBase viewer;
  private final DialBack dialBack;
  private final WebSocketBase tunnel;
  private final boolean microphone;
  private final long idleNanos;
  private final Instant endsAt;
  private final Counters counters;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile long lastFromDesktop = System.nanoTime();
  // The user turned sound off: the agent sends nothing, which is no sign of a dead desktop.
  private volatile boolean soundOff;
  private long idleTimer = -1;
  private long limitTimer = -1;

  private AudioRelay(
      Vertx vertx,
      WebSocketBase viewer,
      DialBack tunnel,
      boolean microphone,
      Duration idle,
      Instant endsAt,
      Counters counters) {
    this.vertx = vertx;
    this.viewer = viewer;
    this.dialBack = tunnel;
    this.tunnel = tunnel.socket();
    this.microphone = microphone;
    this.idleNanos = idle.toNanos();
    this.endsAt = endsAt;
    this.counters = counters;
  }

  /**
   * Starts relaying; both sockets must be paused and open. {@code endsAt} is when the template's
   * session limit ends the connection (null: never); {@code idle} how long the desktop may send
   * nothing (it sends a packet every 20 ms, silence included) before the connection counts as dead.
   */
  static void start(
      Vertx vertx,
      WebSocketBase viewer,
      DialBack tunnel,
      boolean microphone,
      Duration idle,
      Instant endsAt,
      Counters counters) {
    new AudioRelay(vertx, viewer, tunnel, microphone, idle, endsAt, counters).run();
  }

  /** Why a viewer's message is refused, or null when it passes to the desktop. */
  static Refusal check(boolean microphone, boolean binary, int bytes) {
    if (!binary || bytes == 0 || bytes > AudioCodec.MAX_PACKET_BYTES) {
      return new Refusal(
          AudioCodec.NOT_A_PACKET,
          "only Opus packets of at most " + AudioCodec.MAX_PACKET_BYTES + " bytes are taken");
    }
    if (!microphone) {
      return new Refusal(
          AudioCodec.MICROPHONE_REFUSED, "the desktop's template does not allow a microphone");
    }
    return null;
  }

  /** A refused message: the viewer is closed with {@code code}. */
  record Refusal(int code, String reason) {}

  private void run() {
    viewer.binaryMessageHandler(b -> fromViewer(true, b));
    viewer.textMessageHandler(this::textFromViewer);
    viewer.closeHandler(v -> end(DisplayCloseCodes.NORMAL, "viewer closed"));
    // Each packet is one final binary frame (far below a frame's size): anything else breaks the
    // audio format.
    dialBack.claim(
        frame -> {
          if (frame.isBinary() && frame.isFinal()) {
            fromDesktop(frame.binaryData());
          } else if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
            end(1011, "the desktop's sound broke the audio format");
          }
        },
        v -> end(DisplayCloseCodes.NORMAL, "the desktop's sound ended"));
    viewer.exceptionHandler(e -> end(1011, "viewer connection failed"));
    tunnel.exceptionHandler(e -> end(1011, "the desktop's sound failed"));
    if (idleNanos > 0) {
      idleTimer =
          vertx.setPeriodic(
              Math.max(1, idleNanos / 2_000_000),
              t -> {
                if (silentTooLong(soundOff, System.nanoTime() - lastFromDesktop, idleNanos)) {
                  end(DisplayCloseCodes.IDLE_TIMEOUT, "the desktop's sound stopped");
                }
              });
    }
    if (endsAt != null) {
      limitTimer =
          vertx.setTimer(
              Math.max(1, Duration.between(Instant.now(), endsAt).toMillis()),
              t -> end(DisplayCloseCodes.SESSION_LIMIT, "the session's time limit was reached"));
    }
    viewer.resume();
    tunnel.resume();
  }

  private void fromDesktop(Buffer packet) {
    lastFromDesktop = System.nanoTime();
    if (packet.length() == 0 || packet.length() > AudioCodec.MAX_PACKET_BYTES) {
      end(1011, "the desktop's sound broke the audio format");
      return;
    }
    if (viewer.writeQueueFull()) {
      counters.dropped();
      return;
    }
    viewer.writeBinaryMessage(packet);
  }

  /**
   * Whether a desktop's sound has stopped for good: nothing came for longer than {@code idleNanos}
   * although the viewer wants sound.
   */
  static boolean silentTooLong(boolean soundOff, long sinceLastNanos, long idleNanos) {
    return !soundOff && sinceLastNanos > idleNanos;
  }

  /** What a viewer's sound switch does. */
  enum Switch {
    /** It changes nothing: not passed on. */
    SAME,
    /** Passed on to the agent. */
    PASS,
    /** The tunnel to the agent has not taken the earlier messages yet: a flood, refused. */
    FLOOD
  }

  /**
   * What a switch to {@code off} does when sound is {@code soundOff} now and the tunnel's write
   * queue is {@code tunnelFull}: only a change goes to the agent, and none while the tunnel is
   * full, so a viewer sending switches as fast as it can cannot grow the gateway's buffers.
   */
  static Switch onSwitch(boolean soundOff, boolean off, boolean tunnelFull) {
    if (off == soundOff) {
      return Switch.SAME;
    }
    return tunnelFull ? Switch.FLOOD : Switch.PASS;
  }

  /** Sound off or on passes to the agent; any other text is no packet. */
  private void textFromViewer(String text) {
    boolean off = AudioCodec.SOUND_OFF.equals(text);
    if (!off && !AudioCodec.SOUND_ON.equals(text)) {
      fromViewer(false, null);
      return;
    }
    switch (onSwitch(soundOff, off, tunnel.writeQueueFull())) {
      case SAME -> {}
      case FLOOD -> end(1008, "sound switched on and off faster than the desktop can follow");
      case PASS -> {
        if (!off) {
          lastFromDesktop = System.nanoTime(); // the agent's first packet is on its way
        }
        soundOff = off;
        tunnel.writeTextMessage(text);
      }
    }
  }

  private void fromViewer(boolean binary, Buffer packet) {
    Refusal refusal = check(microphone, binary, binary ? packet.length() : 0);
    if (refusal != null) {
      end(refusal.code(), refusal.reason());
      return;
    }
    if (tunnel.writeQueueFull()) {
      counters.dropped();
      return;
    }
    tunnel.writeBinaryMessage(packet);
  }

  /** Closes both sides once; the viewer learns {@code code}, the agent a normal close. */
  private void end(int code, String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    if (limitTimer >= 0) {
      vertx.cancelTimer(limitTimer);
    }
    Tunnels.close(viewer, code, reason);
    Tunnels.close(tunnel, DisplayCloseCodes.NORMAL, reason);
    counters.ended();
  }
}
