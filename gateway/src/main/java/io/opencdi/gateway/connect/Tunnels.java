package io.opencdi.gateway.connect;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.agent.AgentLinks;
import io.opencdi.gateway.agent.AgentRefusals;
import io.opencdi.gateway.agent.AgentTunnelRefusal;
import io.opencdi.gateway.connect.limits.ViewerLimits;
import io.opencdi.gateway.connect.limits.ViewerPresence;
import io.opencdi.gateway.connect.rfb.ClipboardRules;
import io.opencdi.gateway.connect.rfb.RfbInspector;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.protocol.AudioOpen;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.TunnelRefused;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Tunnels of this replica: a viewer (or a file transfer, ADR 0042) waits here until the agent dials
 * back with its tunnel (then a viewer is spliced with it), refuses it, or the wait times out. Only
 * the agent the tunnel was requested from may claim or refuse it.
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
  @Inject HttpServer httpServer;

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
    // Nothing to do: being created is what listens.
  }

  /**
   * Who waits for a tunnel: a viewer to splice with the display, or a file transfer (ADR 0042).
   * Called on an event loop, at most one of the two and at most once.
   */
  public interface Waiter {
    /** The agent dialled back with {@code tunnel} (paused). */
    void claimed(DialBack tunnel);

    /** No tunnel comes, for this reason; {@code message} is for a person. */
    void failed(Failure failure, String message);
  }

  /** Why a waiter gets no tunnel. */
  public enum Failure {
    /** The agent did not dial back within {@code opencdi.connect.tunnel-timeout}. */
    TIMEOUT,
    /** No replica holds a link to the cluster's agent, or the request could not be passed on. */
    AGENT_UNAVAILABLE,
    /** The agent does not trust the address it was to dial back to. */
    DIAL_BACK_REFUSED,
    /** The desktop's display does not answer. */
    UNREACHABLE,
    /** The agent has nothing to open: the desktop does not run there or its runtime cannot. */
    REFUSED
  }

  /** A waiter for agent {@code agentId} (null until the request was sent). */
  private record Waiting(UUID agentId, long timer, Waiter waiter) {
    Waiting from(UUID agent) {
      return new Waiting(agent, timer, waiter);
    }
  }

  /** A viewer of {@code desktopId} with the policies of the desktop's template. */
  private final class Viewer implements Waiter {
    private final ServerWebSocket viewer;
    private final UUID desktopId;
    private final ClipboardRules rules;
    private final ViewerLimits limits;

    Viewer(ServerWebSocket viewer, UUID desktopId, ClipboardRules rules, ViewerLimits limits) {
      this.viewer = viewer;
      this.desktopId = desktopId;
      this.rules = rules;
      this.limits = limits;
    }

    @Override
    public void claimed(DialBack tunnel) {
      spliced.incrementAndGet();
      presence.joined(desktopId);
      Splice.start(
          vertx,
          viewer,
          tunnel,
          config.maxFrameBytes(),
          config.idleTimeout(),
          () -> {
            spliced.decrementAndGet();
            presence.left(desktopId);
          },
          new RfbInspector(rules, clock),
          limits,
          clock);
    }

    @Override
    public void failed(Failure failure, String message) {
      closeFor(viewer, failure, message);
    }
  }

  /**
   * Closes a viewer's WebSocket (display or sound) that gets no tunnel, with the code of the
   * failure.
   */
  public static void closeFor(ServerWebSocket viewer, Failure failure, String message) {
    switch (failure) {
      case TIMEOUT -> close(viewer, DisplayCloseCodes.TUNNEL_TIMEOUT, message);
      case AGENT_UNAVAILABLE, DIAL_BACK_REFUSED ->
          close(viewer, DisplayCloseCodes.AGENT_UNAVAILABLE, message);
      case UNREACHABLE -> close(viewer, DisplayCloseCodes.DISPLAY_UNREACHABLE, message);
      case REFUSED -> close(viewer, DisplayCloseCodes.NO_DISPLAY, message);
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
    Runnable forget =
        request(
            clusterId,
            clusterName,
            clusterAgentId,
            (tunnelId, dialBackUrl) ->
                new TunnelOpen(tunnelId, desktopId.toString(), clusterName, dialBackUrl, watermark),
            new Viewer(viewer, desktopId, rules, limits));
    viewer.closeHandler(v -> forget.run());
  }

  /**
   * Asks the agent of {@code clusterId} for a file tunnel (ADR 0042) or an audio tunnel (ADR 0044):
   * {@code open} makes the request ({@link FileOpen} or {@link AudioOpen}) from the tunnel id and
   * the address to dial back to (null: the link's own). {@code waiter} gets the tunnel or the
   * reason there is none. Returns what forgets the wait, for when the user goes away first.
   */
  public Runnable requestTunnel(
      UUID clusterId,
      String clusterName,
      UUID clusterAgentId,
      BiFunction<String, String, ? extends Message> open,
      Waiter waiter) {
    return request(clusterId, clusterName, clusterAgentId, open::apply, waiter);
  }

  private Runnable request(
      UUID clusterId,
      String clusterName,
      UUID clusterAgentId,
      BiFunction<String, String, Message> open,
      Waiter waiter) {
    String tunnelId = Tickets.tunnelId();
    // Registered before the request goes out: the dial-back may be faster than this thread.
    long timer =
        vertx.setTimer(
            config.tunnelTimeout().toMillis(),
            id -> {
              Waiting w = waiting.remove(tunnelId);
              if (w != null) {
                LOG.infof(
                    "no tunnel %s from cluster %s within %s",
                    tunnelId, clusterName, config.tunnelTimeout());
                w.waiter.failed(Failure.TIMEOUT, "the agent did not open a tunnel");
              }
            });
    // The cluster's owner is known before the request goes out, so a dial-back that beats the
    // rest of this method is still matched to its agent.
    Waiting entry = new Waiting(clusterAgentId, timer, waiter);
    waiting.put(tunnelId, entry);
    Runnable forget =
        () -> {
          Waiting w = waiting.remove(tunnelId);
          if (w != null) {
            vertx.cancelTimer(w.timer);
          }
        };
    var agent =
        links.sendToCluster(clusterId, open.apply(tunnelId, config.replicaUrl().orElse(null)));
    if (agent.isPresent()) {
      waiting.replace(tunnelId, entry, entry.from(agent.get()));
      return forget;
    }
    if (clusterAgentId == null) {
      unavailable(tunnelId, clusterName);
      return forget;
    }
    // Another replica may hold the link: it forwards the request, the agent dials back here.
    waiting.replace(tunnelId, entry, entry.from(clusterAgentId));
    JsonObject event = openEvent(clusterId, open.apply(tunnelId, replicaUrl()));
    notifications
        .publish(Channels.TUNNEL, event)
        .subscribe()
        .with(
            v -> {},
            e -> {
              LOG.warnf("could not ask the other replicas for a tunnel: %s", e.toString());
              unavailable(tunnelId, clusterName);
            });
    return forget;
  }

  private void unavailable(String tunnelId, String clusterName) {
    Waiting w = waiting.remove(tunnelId);
    if (w != null) {
      vertx.cancelTimer(w.timer);
      w.waiter.failed(
          Failure.AGENT_UNAVAILABLE,
          "the agent of cluster " + clusterName + " is not connected to the gateway");
    }
  }

  /** The address agents dial back to for tunnels of viewers on this replica. */
  String replicaUrl() {
    // The port the server listens on, also when it was asked for any free one (port 0).
    return config.replicaUrl().orElseGet(() -> "ws://localhost:" + httpServer.getPort());
  }

  /** What {@link #claim} found. */
  enum Claim {
    SPLICED,
    UNKNOWN,
    WRONG_AGENT
  }

  /** The agent {@code agentId} dialled back with {@code tunnel} (paused) for {@code tunnelId}. */
  Claim claim(String tunnelId, UUID agentId, DialBack tunnel) {
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
    w.waiter.claimed(tunnel);
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
              .put("cause", refusal.cause() == null ? null : refusal.cause().name())
              .put("message", refusal.message());
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
    refuse(refusal.tunnelId(), w, refusal.cause(), refusal.message());
  }

  private void refuse(String tunnelId, Waiting w, TunnelRefused.Cause cause, String message) {
    if (!waiting.remove(tunnelId, w)) {
      return;
    }
    vertx.cancelTimer(w.timer);
    // The agent's message is kept only when it is short plain text: it reaches the user.
    String said =
        message != null
                && message.length() <= 200
                && message.chars().noneMatch(Character::isISOControl)
            ? message
            : null;
    switch (cause == null ? TunnelRefused.Cause.NO_DISPLAY : cause) {
      case DISPLAY_UNREACHABLE ->
          w.waiter.failed(Failure.UNREACHABLE, "the desktop's display does not answer");
      case DIAL_BACK_REFUSED ->
          w.waiter.failed(
              Failure.DIAL_BACK_REFUSED, "the agent does not trust this gateway replica's address");
      case NO_DISPLAY ->
          w.waiter.failed(Failure.REFUSED, said == null ? "the desktop has no display" : said);
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
          refuse(tunnelId, w, cause, event.getString("message"));
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
    Message request;
    try {
      clusterId = UUID.fromString(event.getString("clusterId"));
      request = requestOf(tunnelId, event);
    } catch (RuntimeException malformed) {
      return;
    }
    links
        .sendToCluster(clusterId, request)
        .ifPresent(
            agentId -> {
              relayed.put(tunnelId, agentId);
              vertx.setTimer(
                  config.tunnelTimeout().toMillis(), t -> relayed.remove(tunnelId, agentId));
            });
  }

  /**
   * The NOTIFY event that asks the replica holding the link of {@code clusterId} to send {@code
   * request} (a {@link TunnelOpen}, {@link FileOpen} or {@link AudioOpen}) to its agent: everything
   * the agent is to be told travels in it.
   */
  static JsonObject openEvent(UUID clusterId, Message request) {
    return switch (request) {
      case TunnelOpen open ->
          new JsonObject()
              .put("op", "open")
              .put("tunnelId", open.tunnelId())
              .put("clusterId", clusterId.toString())
              .put("clusterName", open.cluster())
              .put("desktopId", open.desktopId())
              .put("dialBackUrl", open.dialBackUrl())
              .put("watermark", open.watermark());
      case FileOpen open ->
          new JsonObject()
              .put("op", "open")
              .put("kind", "file")
              .put("tunnelId", open.tunnelId())
              .put("clusterId", clusterId.toString())
              .put("clusterName", open.cluster())
              .put("desktopId", open.desktopId())
              .put("dialBackUrl", open.dialBackUrl())
              .put("fileOp", open.op().name())
              .put("name", open.name())
              .put("maxBytes", open.maxBytes())
              .put("folder", open.folder() == null ? null : open.folder().name());
      case AudioOpen open ->
          new JsonObject()
              .put("op", "open")
              .put("kind", "audio")
              .put("tunnelId", open.tunnelId())
              .put("clusterId", clusterId.toString())
              .put("clusterName", open.cluster())
              .put("desktopId", open.desktopId())
              .put("dialBackUrl", open.dialBackUrl())
              .put("microphone", open.microphone());
      default -> throw new IllegalArgumentException("not a tunnel request: " + request);
    };
  }

  /** The request an {@link #openEvent} carries for {@code tunnelId}. */
  static Message requestOf(String tunnelId, JsonObject event) {
    if ("audio".equals(event.getString("kind"))) {
      return new AudioOpen(
          tunnelId,
          event.getString("desktopId"),
          event.getString("clusterName"),
          event.getString("dialBackUrl"),
          event.getBoolean("microphone", false));
    }
    if ("file".equals(event.getString("kind"))) {
      return new FileOpen(
          tunnelId,
          event.getString("desktopId"),
          event.getString("clusterName"),
          event.getString("dialBackUrl"),
          FileOpen.Op.valueOf(event.getString("fileOp")),
          event.getString("name"),
          event.getLong("maxBytes", 0L),
          event.getString("folder") == null
              ? null
              : FileOpen.Folder.valueOf(event.getString("folder")));
    }
    return new TunnelOpen(
        tunnelId,
        event.getString("desktopId"),
        event.getString("clusterName"),
        event.getString("dialBackUrl"),
        event.getString("watermark"));
  }

  /** Closes {@code ws} with {@code code}, the reason cut to what a close frame holds. */
  public static void close(WebSocketBase ws, int code, String reason) {
    if (!ws.isClosed()) {
      // A close reason must fit in a control frame (123 bytes).
      String text = reason.length() > 120 ? reason.substring(0, 120) : reason;
      ws.close((short) code, text);
    }
  }
}
