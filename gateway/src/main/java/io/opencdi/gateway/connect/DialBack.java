package io.opencdi.gateway.connect;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

/**
 * An agent's dial-back socket (paused) whose frame and close handlers were set at the upgrade,
 * before the gateway checks the agent's token. Whoever claims the tunnel gets every frame the agent
 * sent and then, once, its end — never the end before a frame.
 *
 * <p>Vert.x (4.5) runs a socket's close handler as soon as the agent's close frame is read, while
 * the frames before it may still wait in the socket's queue (paused, or read ahead of the claim),
 * and queues the close frame behind them; once closed it also refuses handlers set later
 * ("WebSocket is closed"). So the end is reported when the close frame itself passes the frame
 * handler. When no close frame is coming — the connection dropped, or the gateway closed first and
 * the agent never answered — Vert.x's close is the end.
 */
public final class DialBack {
  // Vert.x's placeholder status once the gateway has closed and no close frame has come.
  private static final short GATEWAY_CLOSED = 1006;

  private final ServerWebSocket socket;
  private Handler<WebSocketFrame> frames;
  private Handler<Void> ends;
  // Vert.x reported the end of the socket.
  private boolean closed;
  // The agent's close frame passed the frame handler: every frame before it was delivered.
  private boolean closeFrameSeen;

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
   * once, after the last frame the agent sent. While the claimant keeps the socket paused, the end
   * waits behind the frames as they do. Call once, before resuming the socket.
   */
  public void claim(Handler<WebSocketFrame> frames, Handler<Void> ends) {
    boolean endNow;
    synchronized (this) {
      this.frames = frames;
      this.ends = ends;
      endNow = closed && !closeFrameQueued();
    }
    if (endNow) {
      end();
    }
  }

  private void frame(WebSocketFrame frame) {
    Handler<WebSocketFrame> handler;
    boolean endNow = false;
    synchronized (this) {
      handler = frames;
      if (frame.isClose()) {
        closeFrameSeen = true;
        endNow = closed;
      }
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
      endNow = !closeFrameQueued();
    }
    if (endNow) {
      end();
    }
  }

  /**
   * Whether the agent's close frame is still on its way to the frame handler: Vert.x read one (its
   * status is the frame's) and it has not passed yet.
   */
  private boolean closeFrameQueued() {
    Short status = socket.closeStatusCode();
    return status != null && status != GATEWAY_CLOSED && !closeFrameSeen;
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
