package io.opencdi.gateway.connect;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

/**
 * An agent's dial-back socket (paused) whose frame and close handlers were set at the upgrade,
 * before the gateway checks the agent's token. An agent may send all it has and close in that time
 * (a small download does): Vert.x then counts the socket closed at once, refuses any handler set
 * later ("WebSocket is closed"), and keeps the frames in the paused queue. Through these handlers
 * whoever claims the tunnel still gets every frame, and the close after the last of them.
 */
public final class DialBack {
  private final ServerWebSocket socket;
  private Handler<WebSocketFrame> frames;
  private Handler<Void> ends;
  // Vert.x reported the end of the socket.
  private boolean closed;
  // The agent closed before the claim: its close frame, still queued behind the data, ends it.
  private boolean endWithCloseFrame;

  private DialBack(ServerWebSocket socket) {
    this.socket = socket;
  }

  /** Sets the handlers of {@code socket}: call at the upgrade, on its event loop. */
  public static DialBack of(ServerWebSocket socket) {
    DialBack back = new DialBack(socket);
    socket.frameHandler(back::frame);
    socket.closeHandler(v -> back.closed());
    return back;
  }

  /** The socket, to write to, pause, resume and close. */
  public ServerWebSocket socket() {
    return socket;
  }

  /**
   * Who claimed the tunnel takes its events: {@code frames} as the socket resumes, {@code ends}
   * once when the agent's side ended; if it ended before this claim, after the frames it sent
   * first. Call once, before resuming the socket.
   */
  public void claim(Handler<WebSocketFrame> frames, Handler<Void> ends) {
    boolean endNow;
    synchronized (this) {
      this.frames = frames;
      this.ends = ends;
      // A close status before the claim is the agent's: the gateway closes a dial-back it has
      // not claimed only to refuse it, and then nobody claims it.
      endWithCloseFrame = closed && socket.closeStatusCode() != null;
      endNow = closed && !endWithCloseFrame;
    }
    if (endNow) {
      end();
    }
  }

  private void frame(WebSocketFrame frame) {
    Handler<WebSocketFrame> handler;
    boolean endNow;
    synchronized (this) {
      handler = frames;
      endNow = frame.isClose() && endWithCloseFrame;
    }
    if (handler != null) {
      handler.handle(frame);
    }
    if (endNow) {
      end();
    }
  }

  private void closed() {
    boolean endNow;
    synchronized (this) {
      closed = true;
      endNow = ends != null;
    }
    if (endNow) {
      end();
    }
  }

  private void end() {
    Handler<Void> handler;
    synchronized (this) {
      handler = ends;
      ends = null;
    }
    if (handler != null) {
      handler.handle(null);
    }
  }
}
