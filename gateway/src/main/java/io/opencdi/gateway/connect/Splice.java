package io.opencdi.gateway.connect;

import io.opencdi.gateway.connect.limits.ViewerLimits;
import io.opencdi.gateway.connect.rfb.RfbInspector;
import io.opencdi.gateway.connect.rfb.RfbRefused;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Joins the viewer's WebSocket and the agent's tunnel WebSocket: binary frames are copied both ways
 * through the {@link RfbInspector} (which drops what the desktop's policies refuse), with
 * back-pressure (a side is paused while its peer's write queue is full, so a slow browser slows the
 * desktop instead of filling the gateway's heap). When either side closes, the other is closed too.
 * The template's time limits ({@link ViewerLimits}) close the viewer with their own codes: one
 * timer per connection, set to the next instant a limit could fall due.
 */
final class Splice {
  private final Vertx vertx;
  private final WebSocketBase viewer;
  private final DialBack dialBack;
  private final WebSocketBase tunnel;
  private final int maxFrameBytes;
  private final long idleNanos;
  private final Runnable onEnd;
  private final RfbInspector inspector;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile long lastActivity = System.nanoTime();
  private final ViewerLimits limits;
  private final Clock clock;
  private long idleTimer = -1;
  private volatile long limitsTimer = -1;

  private Splice(
      Vertx vertx,
      WebSocketBase viewer,
      DialBack tunnel,
      int maxFrameBytes,
      Duration idle,
      Runnable onEnd,
      RfbInspector inspector,
      ViewerLimits limits,
      Clock clock) {
    this.vertx = vertx;
    this.limits = limits;
    this.clock = clock;
    this.inspector = inspector;
    this.viewer = viewer;
    this.dialBack = tunnel;
    this.tunnel = tunnel.socket();
    this.maxFrameBytes = maxFrameBytes;
    this.idleNanos = idle.toNanos();
    this.onEnd = onEnd;
  }

  /** Starts copying; both sockets must be paused (either may have closed meanwhile). */
  static void start(
      Vertx vertx,
      WebSocketBase viewer,
      DialBack tunnel,
      int maxFrameBytes,
      Duration idle,
      Runnable onEnd,
      RfbInspector inspector,
      ViewerLimits limits,
      Clock clock) {
    new Splice(vertx, viewer, tunnel, maxFrameBytes, idle, onEnd, inspector, limits, clock).run();
  }

  private void run() {
    if (viewer.isClosed()) {
      // The viewer left while the agent dialled back: Vert.x takes no handlers on it now.
      if (finish()) {
        close(tunnel, DisplayCloseCodes.NORMAL, "viewer gone");
      }
      return;
    }
    viewer.frameHandler(frame -> pass(frame, viewer, tunnel));
    viewer.closeHandler(v -> end(tunnel, DisplayCloseCodes.NORMAL, "viewer closed"));
    dialBack.claim(
        frame -> pass(frame, tunnel, viewer),
        v -> {
          Short code = tunnel.closeStatusCode();
          if (code != null && code == DisplayCloseCodes.NORMAL) {
            end(viewer, DisplayCloseCodes.NORMAL, "display closed");
          } else {
            end(viewer, DisplayCloseCodes.AGENT_UNAVAILABLE, "tunnel to the agent lost");
          }
        });
    viewer.exceptionHandler(e -> endBoth(DisplayCloseCodes.NORMAL, "viewer connection failed"));
    tunnel.exceptionHandler(
        e -> endBoth(DisplayCloseCodes.AGENT_UNAVAILABLE, "tunnel to the agent lost"));
    long period =
        Math.max(1, Math.min(idleNanos / 4, Duration.ofSeconds(30).toNanos()) / 1_000_000);
    idleTimer = vertx.setPeriodic(period, id -> checkIdle());
    if (viewer.isClosed() || tunnel.isClosed()) {
      endBoth(DisplayCloseCodes.NORMAL, "closed while connecting");
      return;
    }
    if (limits.any()) {
      checkLimits();
    }
    viewer.resume();
    tunnel.resume();
  }

  private void pass(WebSocketFrame frame, WebSocketBase from, WebSocketBase to) {
    if (frame.isText()) {
      endBoth(DisplayCloseCodes.TEXT_NOT_ACCEPTED, "binary frames only");
    } else if (frame.isBinary() || frame.isContinuation()) {
      copy(frame, from, to);
    }
    // Pings are answered by Vert.x itself; close frames reach the close handlers.
  }

  private void copy(WebSocketFrame frame, WebSocketBase from, WebSocketBase to) {
    Buffer data = frame.binaryData();
    if (data.length() > maxFrameBytes) {
      endBoth(DisplayCloseCodes.FRAME_TOO_LARGE, "frame larger than " + maxFrameBytes + " bytes");
      return;
    }
    lastActivity = System.nanoTime();
    try {
      data = from == viewer ? inspector.fromViewer(data) : inspector.fromDesktop(data);
    } catch (RfbRefused e) {
      endBoth(DisplayCloseCodes.RFB_REFUSED, e.getMessage());
      return;
    }
    if (data.length() == 0 || to.isClosed()) {
      return;
    }
    to.writeBinaryMessage(data);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
      // The two sockets may live on different event loops: the queue can drain between the check
      // and the pause, and its drain event then resumes nothing. Without this second look the
      // side stays paused for good and the viewer's picture stops halfway through an update.
      if (!to.writeQueueFull()) {
        from.resume();
      }
    }
  }

  private void checkIdle() {
    if (System.nanoTime() - lastActivity > idleNanos) {
      endBoth(DisplayCloseCodes.IDLE_TIMEOUT, "idle timeout");
    }
  }

  /** Closes the viewer if a limit is due, else sets the timer for when the next one could be. */
  private void checkLimits() {
    if (ended.get()) {
      return;
    }
    Instant now = clock.instant();
    switch (limits.judge(now, inspector.lastInput())) {
      case ViewerLimits.Close close -> endBoth(close.code(), close.reason());
      case ViewerLimits.Keep keep -> {
        if (keep.until() != null) {
          long delay = Math.max(1, Duration.between(now, keep.until()).toMillis() + 1);
          limitsTimer = vertx.setTimer(delay, id -> checkLimits());
          if (ended.get()) {
            vertx.cancelTimer(limitsTimer);
          }
        }
      }
    }
  }

  private void end(WebSocketBase other, int code, String reason) {
    if (finish()) {
      close(other, code, reason);
    }
  }

  private void endBoth(int code, String reason) {
    if (finish()) {
      close(viewer, code, reason);
      close(tunnel, code == DisplayCloseCodes.AGENT_UNAVAILABLE ? 1011 : 1000, reason);
    }
  }

  private boolean finish() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    vertx.cancelTimer(idleTimer);
    vertx.cancelTimer(limitsTimer);
    onEnd.run();
    return true;
  }

  private static void close(WebSocketBase ws, int code, String reason) {
    if (!ws.isClosed()) {
      ws.close((short) code, reason);
    }
  }
}
