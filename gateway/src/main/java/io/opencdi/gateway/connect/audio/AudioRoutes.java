package io.opencdi.gateway.connect.audio;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.common.PerUserCount;
import io.opencdi.gateway.connect.ConnectConfig;
import io.opencdi.gateway.connect.ConnectTargets;
import io.opencdi.gateway.connect.DialBack;
import io.opencdi.gateway.connect.DisplayCloseCodes;
import io.opencdi.gateway.connect.TicketStore;
import io.opencdi.gateway.connect.Tunnels;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.AudioOpen;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The audio endpoint of the broker (ADR 0044), {@code /audio/v1/{ticket}}: a viewer opens it with
 * the audio ticket of {@code connectDesktop} and gets the desktop's sound as Opus packets; with the
 * template's microphone it sends its own. The template's {@code audio} and {@code microphone} are
 * read at each connection, as the display's policies are; the ticket's user, the desktop's state
 * and the session that asked for the ticket are checked as for the display, and refusals close the
 * WebSocket with the display's codes.
 */
@ApplicationScoped
public class AudioRoutes {
  /** Path of the viewer's audio endpoint; the ticket follows. */
  public static final String AUDIO_PATH_PREFIX = "/audio/v1/";

  /**
   * The desktop sends a packet every 20 ms, silence included: this long without one is a dead
   * connection (or the display's idle timeout, when shorter).
   */
  static final Duration DEAD_AFTER = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final Tunnels tunnels;
  private final ConnectTargets targets;
  private final ConnectConfig config;
  private final AtomicInteger open = new AtomicInteger();
  private final PerUserCount held = new PerUserCount();
  private final Counter dropped;

  public AudioRoutes(
      Vertx vertx,
      Tunnels tunnels,
      ConnectTargets targets,
      ConnectConfig config,
      MeterRegistry meters) {
    this.vertx = vertx;
    this.tunnels = tunnels;
    this.targets = targets;
    this.config = config;
    meters.gauge("opencdi.audio.connections", open);
    this.dropped = meters.counter("opencdi.audio.dropped.packets");
  }

  void routes(@Observes Router router) {
    router.get(AUDIO_PATH_PREFIX + ":ticket").handler(this::viewer);
  }

  private void viewer(RoutingContext rc) {
    targets.serve(rc, TicketStore.Purpose.AUDIO, this::connect);
  }

  private void connect(
      ServerWebSocket ws, TicketStore.Redeemed redeemed, ConnectTargets.Target target) {
    TemplateEntity t = target.template();
    if (t == null || !t.audio) {
      // The template lost its audio since the ticket was issued.
      Tunnels.close(ws, DisplayCloseCodes.NO_DISPLAY, "the desktop's template has no audio");
      return;
    }
    UUID user = redeemed.userId();
    if (!held.take(user, config.maxAudioPerUser())) {
      Tunnels.close(
          ws,
          DisplayCloseCodes.TOO_MANY,
          "at most "
              + config.maxAudioPerUser()
              + " sound connections of one user at a time; close one first");
      return;
    }
    boolean microphone = t.microphone;
    String desktopId = target.desktop().id.toString();
    String clusterName = target.cluster().name;
    // Set before the tunnel is asked for: the relay, once a tunnel comes, takes the
    // socket's close (and the release) over.
    AtomicReference<Runnable> forget = new AtomicReference<>(() -> {});
    ws.closeHandler(
        v -> {
          held.release(user);
          forget.get().run();
        });
    forget.set(
        tunnels.requestTunnel(
            target.cluster().id,
            clusterName,
            target.cluster().tunnelAgent(),
            (tunnelId, dialBack) ->
                new AudioOpen(tunnelId, desktopId, clusterName, dialBack, microphone),
            new Tunnels.Waiter() {
              @Override
              public void claimed(DialBack tunnel) {
                if (ws.isClosed()) {
                  Tunnels.close(tunnel.socket(), DisplayCloseCodes.NORMAL, "viewer gone");
                  return;
                }
                open.incrementAndGet();
                AudioRelay.start(
                    vertx,
                    ws,
                    tunnel,
                    microphone,
                    DEAD_AFTER.compareTo(config.idleTimeout()) < 0
                        ? DEAD_AFTER
                        : config.idleTimeout(),
                    redeemed.connectionEndsAt() == null
                        ? null
                        : redeemed.connectionEndsAt().toInstant(),
                    new AudioRelay.Counters() {
                      @Override
                      public void dropped() {
                        dropped.increment();
                      }

                      @Override
                      public void ended() {
                        open.decrementAndGet();
                        held.release(user);
                      }
                    });
              }

              @Override
              public void failed(Tunnels.Failure failure, String message) {
                Tunnels.closeFor(ws, failure, message);
              }
            }));
    targets.closeAtSessionEnd(ws, redeemed);
  }
}
