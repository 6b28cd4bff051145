package io.opencdi.agent.tunnel;

import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.Watermark;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.TunnelRefused;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Opens display tunnels the gateway asks for ({@link TunnelOpen}): connects to the desktop's
 * display over TCP, then dials back to the gateway on a WebSocket of its own, authenticated with
 * the agent's token, and splices the two. The cluster needs no inbound port. See
 * docs/agent-protocol.md, "Display tunnels".
 */
@Singleton
public class TunnelDialer {
  private static final Logger LOG = Logger.getLogger(TunnelDialer.class);

  /** Tunnel ids are the gateway's random tokens; anything else is not put into a URL. */
  private static final Pattern TUNNEL_ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");

  /** Connecting to a display on the cluster's network takes milliseconds; give up after this. */
  static final int DISPLAY_CONNECT_TIMEOUT_MILLIS = 3000;

  /**
   * Largest WebSocket frame sent to the gateway; a TCP read larger than this is split. Matches the
   * gateway's frame bound.
   */
  static final int MAX_FRAME_BYTES = 65536;

  /** Upper bound of simultaneous tunnels (dial-back WebSockets) of one agent. */
  static final int MAX_TUNNELS = 100_000;

  private final DesktopRuntime runtime;
  private final NetClient displays;
  private final WebSocketClient gateway;
  private final AtomicInteger open = new AtomicInteger();
  private final Vertx vertx;

  TunnelDialer(DesktopRuntime runtime, Vertx vertx) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.displays =
        vertx.createNetClient(
            new NetClientOptions()
                .setConnectTimeout(DISPLAY_CONNECT_TIMEOUT_MILLIS)
                // RFB sends many small messages (input events, small updates): no Nagle delay.
                .setTcpNoDelay(true));
    this.gateway = vertx.createWebSocketClient(dialBackOptions());
  }

  /** How tunnels, display and file ones alike, dial back to the gateway. */
  static WebSocketClientOptions dialBackOptions() {
    return new WebSocketClientOptions()
        .setConnectTimeout(DISPLAY_CONNECT_TIMEOUT_MILLIS)
        .setMaxFrameSize(MAX_FRAME_BYTES)
        // Every tunnel is its own WebSocket to the same gateway; Vert.x' default of 50 per host
        // would queue the 51st dial-back past the gateway's timeout.
        .setMaxConnections(MAX_TUNNELS)
        .setTcpNoDelay(true);
  }

  /** Whether {@code tunnelId} looks like one of the gateway's tokens, fit for a URL path. */
  static boolean validTunnelId(String tunnelId) {
    return tunnelId != null && TUNNEL_ID.matcher(tunnelId).matches();
  }

  void onStop(@Observes ShutdownEvent event) {
    displays.close();
    gateway.close();
  }

  /** How many tunnels are spliced now. */
  public int openTunnels() {
    return open.get();
  }

  /**
   * Opens the tunnel; {@code refuse} is called (at most once, on any thread) when the tunnel cannot
   * be opened and the gateway must be told.
   *
   * @param link how the link reaches the gateway, which the tunnel dials back to
   */
  public void open(TunnelOpen request, DialBack link, Consumer<TunnelRefused> refuse) {
    // Connect from an event loop: the link calls from its own thread, and a connection that
    // completes before the listener below is attached would hand the RFB server's greeting to a
    // socket with no handler yet, which drops it. On the event loop the listener is attached
    // before the connection can complete, and it pauses the socket before any read.
    vertx.getOrCreateContext().runOnContext(v -> connect(request, link, refuse));
  }

  private void connect(TunnelOpen request, DialBack link, Consumer<TunnelRefused> refuse) {
    if (!validTunnelId(request.tunnelId())) {
      LOG.warnf("ignoring a tunnel request with a malformed id");
      return;
    }
    Optional<DisplayEndpoint> endpoint =
        request.cluster() == null || request.desktopId() == null
            ? Optional.empty()
            : runtime.display(request.cluster(), request.desktopId());
    if (endpoint.isEmpty()) {
      refuse.accept(
          new TunnelRefused(
              request.tunnelId(),
              TunnelRefused.Cause.NO_DISPLAY,
              "desktop "
                  + request.desktopId()
                  + " has no display here: it is not running in cluster "
                  + request.cluster()
                  + " or the "
                  + runtime.kind()
                  + " runtime draws none"));
      return;
    }
    URI base = trustedBase(request.tunnelId(), request.dialBackUrl(), link, refuse);
    if (base == null) {
      return;
    }
    DisplayEndpoint display = endpoint.get();
    // The desktop is told its watermark before its display is reached, and a watermark that
    // cannot be applied refuses the display: the template asked for every frame to carry it.
    String watermark = Watermark.of(request.watermark()).orElse(null);
    vertx
        .executeBlocking(
            () -> {
              runtime.watermark(request.cluster(), request.desktopId(), watermark);
              return null;
            },
            false)
        .onFailure(
            e -> {
              LOG.warnf(
                  "tunnel %s: cannot set the watermark of desktop %s: %s",
                  request.tunnelId(), request.desktopId(), e.toString());
              refuse.accept(
                  new TunnelRefused(
                      request.tunnelId(),
                      TunnelRefused.Cause.NO_DISPLAY,
                      "the watermark of desktop "
                          + request.desktopId()
                          + " could not be applied, so its display is not opened"));
            })
        .onSuccess(
            v ->
                connectDisplay(
                    request, new DialBack(base, link.token(), List.of()), display, refuse));
  }

  private void connectDisplay(
      TunnelOpen request, DialBack to, DisplayEndpoint display, Consumer<TunnelRefused> refuse) {
    displays
        .connect(display.port(), display.host())
        .onFailure(
            e -> {
              LOG.infof(
                  "tunnel %s: cannot reach the display of desktop %s at %s:%d: %s",
                  request.tunnelId(),
                  request.desktopId(),
                  display.host(),
                  display.port(),
                  e.getMessage());
              refuse.accept(
                  new TunnelRefused(
                      request.tunnelId(),
                      TunnelRefused.Cause.DISPLAY_UNREACHABLE,
                      "the display of desktop " + request.desktopId() + " does not answer"));
            })
        .onSuccess(socket -> dialBack(request, to, socket));
  }

  /**
   * Where tunnel {@code tunnelId} dials back ({@link #dialBackBase}), or null after telling the
   * gateway through {@code refuse} that the agent does not trust {@code dialBackUrl}: its token
   * goes to no other host.
   */
  static URI trustedBase(
      String tunnelId, String dialBackUrl, DialBack link, Consumer<TunnelRefused> refuse) {
    URI base = dialBackBase(dialBackUrl, link.gatewayBase(), link.trustedHosts());
    if (base == null) {
      LOG.warnf(
          "tunnel %s: refusing to dial back to %s, a host that is neither the gateway's nor in"
              + " opencdi.agent.dial-back-hosts",
          tunnelId, dialBackUrl);
      refuse.accept(
          new TunnelRefused(
              tunnelId,
              TunnelRefused.Cause.DIAL_BACK_REFUSED,
              "the agent does not dial back to that gateway address"));
    }
    return base;
  }

  /** The dial-back WebSocket of tunnel {@code tunnelId} to {@code base}, with the agent's token. */
  static WebSocketConnectOptions dialBackTo(URI base, String tunnelId, String token) {
    return new WebSocketConnectOptions()
        .setAbsoluteURI(base + ProtocolVersion.tunnelPath(tunnelId))
        .addHeader("Authorization", "Bearer " + token);
  }

  /**
   * Where to dial back: the link's own gateway, or the replica the gateway named if its host is
   * trusted and the scheme is the link's (a {@code wss://} link never dials back in clear). Null
   * when the named address is refused: the token is never sent to an untrusted host.
   */
  static URI dialBackBase(String dialBackUrl, URI gatewayBase, List<String> trustedHosts) {
    if (dialBackUrl == null) {
      return gatewayBase;
    }
    URI target;
    try {
      target = new URI(dialBackUrl);
    } catch (URISyntaxException e) {
      return null;
    }
    String host = target.getHost();
    if (host == null
        || target.getRawUserInfo() != null
        || target.getRawQuery() != null
        || target.getRawFragment() != null
        || !gatewayBase.getScheme().equalsIgnoreCase(target.getScheme())) {
      return null;
    }
    boolean trusted =
        host.equalsIgnoreCase(gatewayBase.getHost())
            || trustedHosts.stream().anyMatch(host::equalsIgnoreCase);
    if (!trusted) {
      return null;
    }
    String path = target.getRawPath() == null ? "" : target.getRawPath();
    return URI.create(
        target.getScheme()
            + "://"
            + target.getRawAuthority()
            + (path.endsWith("/") ? path.substring(0, path.length() - 1) : path));
  }

  private void dialBack(TunnelOpen request, DialBack to, NetSocket display) {
    // The RFB server speaks first; hold its greeting until the gateway side is there.
    display.pause();
    WebSocketConnectOptions options = dialBackTo(to.gatewayBase(), request.tunnelId(), to.token());
    gateway
        .connect(options)
        .onFailure(
            e -> {
              // The gateway closes the browser's socket when no dial-back arrives in time.
              LOG.infof("tunnel %s: cannot dial back to the gateway: %s", request.tunnelId(), e);
              display.close();
            })
        .onSuccess(
            ws -> {
              open.incrementAndGet();
              LOG.debugf("tunnel %s open for desktop %s", request.tunnelId(), request.desktopId());
              splice(ws, display, request.tunnelId());
            });
  }

  /**
   * Copies bytes both ways with back-pressure: a side whose peer cannot take more is paused until
   * the peer drains. When either side ends, the other is closed.
   */
  private void splice(WebSocket ws, NetSocket display, String tunnelId) {
    AtomicBoolean closed = new AtomicBoolean();
    Runnable closeBoth =
        () -> {
          if (closed.compareAndSet(false, true)) {
            open.decrementAndGet();
            LOG.debugf("tunnel %s closed", tunnelId);
          }
          if (!ws.isClosed()) {
            ws.close((short) 1000, "display closed");
          }
          display.close();
        };
    ws.frameHandler(
        frame -> {
          if (frame.isBinary() || frame.isContinuation()) {
            display.write(frame.binaryData());
            if (display.writeQueueFull()) {
              ws.pause();
              display.drainHandler(v -> ws.resume());
              // Drained between the check and the pause: its event resumed nothing.
              if (!display.writeQueueFull()) {
                ws.resume();
              }
            }
          }
        });
    display.handler(
        data -> {
          // Bytes the desktop sent while the tunnel was closing have nowhere to go.
          if (ws.isClosed()) {
            closeBoth.run();
            return;
          }
          ws.writeBinaryMessage(data);
          if (ws.writeQueueFull()) {
            display.pause();
            ws.drainHandler(v -> display.resume());
            // The socket and the WebSocket may live on different event loops: the queue can
            // drain between the check and the pause, and its event then resumes nothing.
            if (!ws.writeQueueFull()) {
              display.resume();
            }
          }
        });
    ws.closeHandler(v -> closeBoth.run());
    ws.exceptionHandler(e -> closeBoth.run());
    display.closeHandler(v -> closeBoth.run());
    display.exceptionHandler(e -> closeBoth.run());
    display.resume();
  }
}
