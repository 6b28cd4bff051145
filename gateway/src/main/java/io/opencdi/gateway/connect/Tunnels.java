package io.opencdi.gateway.connect;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.agent.AgentLinks;
import io.opencdi.gateway.agent.AgentRefusals;
import io.opencdi.gateway.agent.AgentTunnelRefusal;
import io.opencdi.gateway.connect.limits.ViewerLimits;
import io.opencdi.gateway.connect.limits.ViewerPresence;
import io.opencdi.gateway.connect.rfb.ClipboardRules;
import io.opencdi.gateway.connect.rfb.RfbInspector;
import io.opencdi.gateway.events.Channels;
import io.opencdi.gateway.events.Notifications;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.TunnelRefused;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Display tunnels of this replica: a viewer waits here until the agent dials back with its tunnel
 * (then the two are spliced), refuses it, or the wait times out. Only the agent the tunnel was
 * requested from may claim or refuse it.
 *
 * <p>When another replica holds the agent's link, the request travels there through NOTIFY ({@link
 * Channels#TUNNEL}) with this replica's own address; that replica forwards it to the agent, which
 * dials back here directly, so display bytes never cross a second replica (ADR 0027). Refusals
 * travel back the same way.
 */
@ApplicationScoped
public class Tunnels {
  private static final Logger LOG = Logger.getLogger(Tunnels.class);

  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  // Tunnels this replica asked its agent for on behalf of another replica: tunnel id → agent id.
  private final Map<String, UUID> relayed = new ConcurrentHashMap<>();
  private final AtomicInteger spliced = new AtomicInteger();
  private final AgentLinks links;
  private final Notifications notifications;
  private final Vertx vertx;
  private final ConnectConfig config;
  private final AgentRefusals refusals;
  private final ViewerPresence presence;
  private final Clock clock;
  private volatile String localReplicaUrl;

  public Tunnels(
      AgentLinks links,
      Notifications notifications,
      Vertx vertx,
      ConnectConfig config,
      MeterRegistry meters,
      AgentRefusals refusals,
      ViewerPresence presence,
      Clock clock) {
    this.refusals = refusals;
    this.presence = presence;
    this.clock = clock;
    this.links = links;
    this.notifications = notifications;
    this.vertx = vertx;
    this.config = config;
    meters.gauge("opencdi.display.connections", spliced);
    meters.gauge("opencdi.display.waiting", waiting, Map::size);
  }

  @PostConstruct
  void listen() {
    notifications.listen(Channels.TUNNEL, this::heard);
  }

  /** Created at start-up, not at the first viewer: other replicas' requests must be heard. */
  void onStart(@Observes StartupEvent event) {
    if (localReplicaUrl == null) {
      localReplicaUrl =
          "ws://localhost:"
              + ConfigProvider.getConfig()
                  .getOptionalValue("quarkus.http.port", Integer.class)
                  .orElse(8080);
    }
  }

  void started(@Observes HttpServerStart start) {
    localReplicaUrl = "ws://localhost:" + start.options().getPort();
  }

  /**
   * A viewer of {@code desktopId} waiting for its tunnel from agent {@code agentId} (null until it
   * was sent), with the policies of the desktop's template.
   */
  private record Waiting(
      UUID agentId,
      ServerWebSocket viewer,
      long timer,
      UUID desktopId,
      ClipboardRules rules,
      ViewerLimits limits) {
    Waiting from(UUID agent) {
      return new Waiting(agent, viewer, timer, desktopId, rules, limits);
    }
  }

  /** How many display connections are spliced on this replica now. */
  public int connections() {
    return spliced.get();
  }

  /**
   * Asks the agent of {@code clusterId} for a tunnel to the desktop's display for {@code viewer}
   * (paused), which is closed with a code if none comes. {@code clusterAgentId} is the agent that
   * owns the cluster in the database: the only one that may dial back when another replica holds
   * its link. {@code rules} and {@code limits} are the template's clipboard policy and time limits
   * for this connection, {@code watermark} the text its desktop is to draw (null: none).
   */
  void request(
      ServerWebSocket viewer,
      UUID clusterId,
      String clusterName,
      UUID desktopId,
      UUID clusterAgentId,
      ClipboardRules rules,
      ViewerLimits limits,
      String watermark) {
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
    // The cluster's owner is known before the request goes out, so a dial-back that beats the
    // rest of this method is still matched to its agent.
    Waiting entry = new Waiting(clusterAgentId, viewer, timer, desktopId, rules, limits);
    waiting.put(tunnelId, entry);
    viewer.closeHandler(
        v -> {
          Waiting w = waiting.remove(tunnelId);
          if (w != null) {
            vertx.cancelTimer(w.timer);
          }
        });
    var agent =
        links.sendToCluster(
            clusterId,
            new TunnelOpen(
                tunnelId,
                desktopId.toString(),
                clusterName,
                config.replicaUrl().orElse(null),
                watermark));
    if (agent.isPresent()) {
      waiting.replace(tunnelId, entry, entry.from(agent.get()));
      return;
    }
    if (clusterAgentId == null) {
      unavailable(tunnelId, clusterName);
      return;
    }
    // Another replica may hold the link: it forwards the request, the agent dials back here.
    waiting.replace(tunnelId, entry, entry.from(clusterAgentId));
    JsonObject open =
        openEvent(
            clusterId,
            new TunnelOpen(tunnelId, desktopId.toString(), clusterName, replicaUrl(), watermark));
    notifications
        .publish(Channels.TUNNEL, open)
        .subscribe()
        .with(
            v -> {},
            e -> {
              LOG.warnf("could not ask the other replicas for a tunnel: %s", e.toString());
              unavailable(tunnelId, clusterName);
            });
  }

  private void unavailable(String tunnelId, String clusterName) {
    Waiting w = waiting.remove(tunnelId);
    if (w != null) {
      vertx.cancelTimer(w.timer);
      close(
          w.viewer,
          DisplayCloseCodes.AGENT_UNAVAILABLE,
          "the agent of cluster " + clusterName + " is not connected to the gateway");
    }
  }

  /** The address agents dial back to for tunnels of viewers on this replica. */
  String replicaUrl() {
    return config.replicaUrl().orElse(localReplicaUrl);
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
    presence.joined(w.desktopId);
    Splice.start(
        vertx,
        w.viewer,
        tunnel,
        config.maxFrameBytes(),
        config.idleTimeout(),
        () -> {
          spliced.decrementAndGet();
          presence.left(w.desktopId);
        },
        new RfbInspector(w.rules, clock),
        w.limits,
        clock);
    return Claim.SPLICED;
  }

  void refused(@Observes AgentTunnelRefusal event) {
    TunnelRefused refusal = event.refusal();
    if (refusal.tunnelId() == null) {
      return;
    }
    if (event.agentId().equals(relayed.get(refusal.tunnelId()))
        && relayed.remove(refusal.tunnelId(), event.agentId())) {
      // Asked for by another replica's viewer: the refusal goes back there.
      JsonObject back =
          new JsonObject()
              .put("op", "refused")
              .put("tunnelId", refusal.tunnelId())
              .put("cause", refusal.cause() == null ? null : refusal.cause().name());
      notifications
          .publish(Channels.TUNNEL, back)
          .subscribe()
          .with(v -> {}, e -> LOG.debugf("could not pass a tunnel refusal on: %s", e.toString()));
      return;
    }
    Waiting w = waiting.get(refusal.tunnelId());
    if (w != null && !event.agentId().equals(w.agentId)) {
      // Another agent tries to end a viewer's wait: refused, counted, the wait goes on.
      refusals.refused(
          event.agentName(),
          "tunnel",
          "tunnel " + refusal.tunnelId() + " was requested from another agent");
      return;
    }
    if (w == null) {
      return;
    }
    refuse(refusal.tunnelId(), w, refusal.cause());
  }

  private void refuse(String tunnelId, Waiting w, TunnelRefused.Cause cause) {
    if (!waiting.remove(tunnelId, w)) {
      return;
    }
    vertx.cancelTimer(w.timer);
    switch (cause == null ? TunnelRefused.Cause.NO_DISPLAY : cause) {
      case DISPLAY_UNREACHABLE ->
          close(
              w.viewer,
              DisplayCloseCodes.DISPLAY_UNREACHABLE,
              "the desktop's display does not answer");
      case DIAL_BACK_REFUSED ->
          close(
              w.viewer,
              DisplayCloseCodes.AGENT_UNAVAILABLE,
              "the agent does not trust this gateway replica's address");
      case NO_DISPLAY ->
          close(w.viewer, DisplayCloseCodes.NO_DISPLAY, "the desktop has no display");
    }
  }

  /** A tunnel event from a replica (this one included). */
  private void heard(JsonObject event) {
    String tunnelId = event.getString("tunnelId");
    if (tunnelId == null) {
      return;
    }
    switch (String.valueOf(event.getString("op"))) {
      case "open" -> forward(tunnelId, event);
      case "refused" -> {
        Waiting w = waiting.get(tunnelId);
        if (w != null) {
          TunnelRefused.Cause cause;
          try {
            cause = TunnelRefused.Cause.valueOf(event.getString("cause"));
          } catch (RuntimeException unknown) {
            cause = TunnelRefused.Cause.NO_DISPLAY;
          }
          refuse(tunnelId, w, cause);
        }
      }
      default -> LOG.debugf("ignoring tunnel event %s", event.getString("op"));
    }
  }

  /** Sends another replica's tunnel request to the agent, if this replica holds its link. */
  private void forward(String tunnelId, JsonObject event) {
    if (waiting.containsKey(tunnelId)) {
      return; // this replica's own request: it was offered to its own links already
    }
    UUID clusterId;
    try {
      clusterId = UUID.fromString(event.getString("clusterId"));
    } catch (RuntimeException malformed) {
      return;
    }
    links
        .sendToCluster(clusterId, requestOf(tunnelId, event))
        .ifPresent(
            agentId -> {
              relayed.put(tunnelId, agentId);
              vertx.setTimer(
                  config.tunnelTimeout().toMillis(), t -> relayed.remove(tunnelId, agentId));
            });
  }

  /**
   * The NOTIFY event that asks the replica holding the link of {@code clusterId} to send {@code
   * request} to its agent: everything the agent is to be told travels in it.
   */
  static JsonObject openEvent(UUID clusterId, TunnelOpen request) {
    return new JsonObject()
        .put("op", "open")
        .put("tunnelId", request.tunnelId())
        .put("clusterId", clusterId.toString())
        .put("clusterName", request.cluster())
        .put("desktopId", request.desktopId())
        .put("dialBackUrl", request.dialBackUrl())
        .put("watermark", request.watermark());
  }

  /** The request an {@link #openEvent} carries for {@code tunnelId}. */
  static TunnelOpen requestOf(String tunnelId, JsonObject event) {
    return new TunnelOpen(
        tunnelId,
        event.getString("desktopId"),
        event.getString("clusterName"),
        event.getString("dialBackUrl"),
        event.getString("watermark"));
  }

  static void close(ServerWebSocket ws, int code, String reason) {
    if (!ws.isClosed()) {
      // A close reason must fit in a control frame (123 bytes).
      String text = reason.length() > 120 ? reason.substring(0, 120) : reason;
      ws.close((short) code, text);
    }
  }
}
