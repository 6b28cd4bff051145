package io.opencdi.gateway.connect;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.agent.AgentLinks;
import io.opencdi.gateway.agent.AgentRefusals;
import io.opencdi.gateway.agent.AgentTunnelRefusal;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.TunnelRefused;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Display tunnels of this replica: a viewer waits here until the agent dials back with its tunnel
 * (then the two are spliced), refuses it, or the wait times out. Only the agent the tunnel was
 * requested from may claim or refuse it.
 */
@ApplicationScoped
public class Tunnels {
  private static final Logger LOG = Logger.getLogger(Tunnels.class);

  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final AtomicInteger spliced = new AtomicInteger();
  private final AgentLinks links;
  private final Vertx vertx;
  private final ConnectConfig config;
  private final AgentRefusals refusals;

  public Tunnels(
      AgentLinks links,
      Vertx vertx,
      ConnectConfig config,
      MeterRegistry meters,
      AgentRefusals refusals) {
    this.refusals = refusals;
    this.links = links;
    this.vertx = vertx;
    this.config = config;
    meters.gauge("opencdi.display.connections", spliced);
    meters.gauge("opencdi.display.waiting", waiting, Map::size);
  }

  /** A viewer waiting for its tunnel. */
  private record Waiting(UUID agentId, ServerWebSocket viewer, long timer) {}

  /** How many display connections are spliced on this replica now. */
  public int connections() {
    return spliced.get();
  }

  /**
   * Asks the agent of {@code clusterId} for a tunnel to the desktop's display for {@code viewer}
   * (paused), which is closed with a code if none comes.
   */
  void request(ServerWebSocket viewer, UUID clusterId, String clusterName, UUID desktopId) {
    String tunnelId = Tickets.tunnelId();
    // Registered before the request goes out: the dial-back may be faster than this thread.
    long timer =
        vertx.setTimer(
            config.tunnelTimeout().toMillis(),
            id -> {
              Waiting w = waiting.remove(tunnelId);
              if (w != null) {
                LOG.infof("no tunnel for desktop %s within %s", desktopId, config.tunnelTimeout());
                close(
                    w.viewer, DisplayCloseCodes.TUNNEL_TIMEOUT, "the agent did not open a tunnel");
              }
            });
    Waiting entry = new Waiting(null, viewer, timer);
    waiting.put(tunnelId, entry);
    var agent =
        links.sendToCluster(clusterId, new TunnelOpen(tunnelId, desktopId.toString(), clusterName));
    if (agent.isEmpty()) {
      waiting.remove(tunnelId);
      vertx.cancelTimer(timer);
      close(
          viewer,
          DisplayCloseCodes.AGENT_UNAVAILABLE,
          "the agent of cluster " + clusterName + " is not connected to this gateway");
      return;
    }
    waiting.replace(tunnelId, entry, new Waiting(agent.get(), viewer, timer));
    viewer.closeHandler(
        v -> {
          Waiting w = waiting.remove(tunnelId);
          if (w != null) {
            vertx.cancelTimer(w.timer);
          }
        });
  }

  /** What {@link #claim} found. */
  enum Claim {
    SPLICED,
    UNKNOWN,
    WRONG_AGENT
  }

  /** The agent {@code agentId} dialled back with {@code tunnel} (paused) for {@code tunnelId}. */
  Claim claim(String tunnelId, UUID agentId, ServerWebSocket tunnel) {
    Waiting w = waiting.get(tunnelId);
    if (w == null) {
      return Claim.UNKNOWN;
    }
    if (w.agentId == null || !w.agentId.equals(agentId)) {
      return Claim.WRONG_AGENT; // the waiting viewer stays: the right agent may still come
    }
    if (!waiting.remove(tunnelId, w)) {
      return Claim.UNKNOWN;
    }
    vertx.cancelTimer(w.timer);
    spliced.incrementAndGet();
    Splice.start(
        vertx,
        w.viewer,
        tunnel,
        config.maxFrameBytes(),
        config.idleTimeout(),
        spliced::decrementAndGet);
    return Claim.SPLICED;
  }

  void refused(@Observes AgentTunnelRefusal event) {
    TunnelRefused refusal = event.refusal();
    Waiting w = refusal.tunnelId() == null ? null : waiting.get(refusal.tunnelId());
    if (w != null && !event.agentId().equals(w.agentId)) {
      // Another agent tries to end a viewer's wait: refused, counted, the wait goes on.
      refusals.refused(
          event.agentName(),
          "tunnel",
          "tunnel " + refusal.tunnelId() + " was requested from another agent");
      return;
    }
    if (w == null || !waiting.remove(refusal.tunnelId(), w)) {
      return;
    }
    vertx.cancelTimer(w.timer);
    int code =
        refusal.cause() == TunnelRefused.Cause.DISPLAY_UNREACHABLE
            ? DisplayCloseCodes.DISPLAY_UNREACHABLE
            : DisplayCloseCodes.NO_DISPLAY;
    close(w.viewer, code, refusal.cause() == null ? "no display" : reason(refusal));
  }

  private static String reason(TunnelRefused refusal) {
    return refusal.cause() == TunnelRefused.Cause.DISPLAY_UNREACHABLE
        ? "the desktop's display does not answer"
        : "the desktop has no display";
  }

  static void close(ServerWebSocket ws, int code, String reason) {
    if (!ws.isClosed()) {
      // A close reason must fit in a control frame (123 bytes).
      String text = reason.length() > 120 ? reason.substring(0, 120) : reason;
      ws.close((short) code, text);
    }
  }
}
