package io.opencdi.gateway.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.gateway.desktop.DesktopReport;
import io.opencdi.gateway.desktop.DesktopStatusService;
import io.opencdi.gateway.snapshot.SnapshotService;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.CommandRequest;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolException;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The agent links this replica holds, and the delivery of commands to them. A command requested on
 * any replica reaches this one through NOTIFY; the replica that holds the cluster's link sends it.
 */
@ApplicationScoped
public class AgentLinks {
  private static final Logger LOG = Logger.getLogger(AgentLinks.class);

  private final Map<String, Link> byConnection = new ConcurrentHashMap<>();
  private final Map<UUID, String> connectionByCluster = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  // By agent, not by connection: a reconnected agent's reports queue behind its earlier ones.
  private final Map<UUID, ReportQueue> reports = new ConcurrentHashMap<>();
  private final ProtocolCodec codec = new ProtocolCodec();
  private final Notifications notifications;
  private final AgentInventory inventory;
  private final SnapshotService snapshots;

  private final DesktopStatusService statuses;
  private final AgentLinkConfig config;
  private final AgentRefusals refusals;

  public AgentLinks(
      Notifications notifications,
      AgentInventory inventory,
      DesktopStatusService statuses,
      AgentLinkConfig config,
      SnapshotService snapshots,
      AgentRefusals refusals,
      MeterRegistry meters) {
    this.refusals = refusals;
    this.notifications = notifications;
    this.inventory = inventory;
    this.statuses = statuses;
    this.config = config;
    this.snapshots = snapshots;
    meters.gauge(
        "opencdi.agents.reports.waiting",
        reports,
        m -> m.values().stream().mapToInt(ReportQueue::waiting).sum());
    meters.gauge(
        "opencdi.agents.connected",
        byConnection,
        m -> m.values().stream().filter(Link::welcomed).count());
  }

  @PostConstruct
  void listen() {
    notifications.listen(Channels.COMMAND, this::deliver);
  }

  void opened(WebSocketConnection connection, UUID agentId, String agentName) {
    byConnection.put(
        connection.id(),
        new Link(
            connection,
            UUID.randomUUID(),
            agentId,
            agentName,
            null,
            Map.of(),
            false,
            false,
            new Outbox(),
            new Liveness(),
            new CapacityMemo()));
  }

  /**
   * The queue in which the agent's desktop reports are applied, in the order received; only to
   * desktops of the clusters the agent owns.
   */
  ReportQueue reports(UUID agentId, String agentName) {
    DesktopStatusService.ReportingAgent reporter =
        new DesktopStatusService.ReportingAgent() {
          @Override
          public UUID agentId() {
            return agentId;
          }

          @Override
          public void refused(DesktopReport report) {
            refusals.refused(
                agentName,
                report instanceof DesktopReport.Observed ? "status" : "ack",
                "desktop " + describe(report) + " is not on a cluster of this agent");
          }
        };
    return reports.computeIfAbsent(
        agentId,
        id ->
            new ReportQueue(
                batch -> statuses.applyAll(batch, reporter), Math.max(1, config.reportBatch())));
  }

  private static String describe(DesktopReport report) {
    return switch (report) {
      case DesktopReport.Observed o -> o.status().desktopId();
      case DesktopReport.Acknowledged a -> a.desktopId().toString();
    };
  }

  /**
   * The agent's clusters are registered: commands for them are accepted from now on, but held until
   * {@link #welcomed}. The welcome list is read after this point, so a desktop committed while the
   * welcome is prepared is either in the list or among the held commands; a command sent before the
   * welcome would reach an agent that then deletes what the list does not name.
   */
  void registered(
      String connectionId, String runtime, Map<String, UUID> clusters, boolean tunnelOnly) {
    byConnection.computeIfPresent(
        connectionId, (id, l) -> l.with(runtime, Map.copyOf(clusters), tunnelOnly, false));
    clusters.values().forEach(c -> connectionByCluster.put(c, connectionId));
  }

  /** The welcome was sent: commands held meanwhile go out, in order, and later ones directly. */
  Uni<Void> welcomed(String connectionId) {
    Link link =
        byConnection.computeIfPresent(
            connectionId, (id, l) -> l.with(l.runtime, l.clusterNames, l.tunnelOnly, true));
    if (link == null) {
      return Uni.createFrom().voidItem();
    }
    return Multi.createFrom()
        .iterable(link.outbox.open())
        .onItem()
        .transformToUniAndConcatenate(link.connection::sendText)
        .collect()
        .last()
        .replaceWithVoid();
  }

  Link link(String connectionId) {
    return byConnection.get(connectionId);
  }

  Link closed(String connectionId) {
    Link link = byConnection.remove(connectionId);
    if (link != null) {
      link.clusterIds().forEach(c -> connectionByCluster.remove(c, connectionId));
    }
    return link;
  }

  /**
   * The command {@code commandId} that {@code link} acknowledges, or null. A command sent to
   * another link stays pending for its own agent's answer and the acknowledgement is refused.
   */
  /** Closes every link of {@code agentId} this replica holds: its token was revoked. */
  void closeAll(UUID agentId, int code, String reason) {
    byConnection.values().stream()
        .filter(l -> l.agentId().equals(agentId))
        .forEach(
            l ->
                l.connection()
                    .close(new CloseReason(code, reason))
                    .subscribe()
                    .with(v -> {}, e -> {}));
  }

  Pending acknowledged(Link link, String commandId) {
    Pending p = commandId == null ? null : pending.get(commandId);
    if (p == null) {
      return null;
    }
    if (!link.clusterNames().containsValue(p.clusterId())) {
      refusals.refused(
          link.agentName(), "ack", "command " + commandId + " was sent to another agent");
      return null;
    }
    return pending.remove(commandId, p) ? p : null;
  }

  /** How many agents are connected to this replica and welcomed. */
  public long connectedAgents() {
    return byConnection.values().stream().filter(Link::welcomed).count();
  }

  /**
   * Sends {@code frame} to the welcomed agent that holds {@code clusterId}'s link on this replica.
   *
   * @return the agent's id, or empty when no agent on this replica serves the cluster now
   */
  public Optional<UUID> sendToCluster(UUID clusterId, Message frame) {
    String connectionId = connectionByCluster.get(clusterId);
    Link link = connectionId == null ? null : byConnection.get(connectionId);
    if (link == null || !link.welcomed()) {
      return Optional.empty();
    }
    link.connection
        .sendText(codec.encode(frame))
        .subscribe()
        .with(
            v -> {},
            e ->
                LOG.debugf(
                    "could not send %s to agent %s: %s",
                    frame.getClass().getSimpleName(), link.agentName(), e.toString()));
    return Optional.of(link.agentId());
  }

  /**
   * A command request heard on {@link Channels#COMMAND}: sent to the agent if this replica holds
   * the link of its cluster. A request that does not decode is logged and dropped; nothing it
   * carries is trusted, and it never fails the listener.
   */
  void deliver(JsonObject event) {
    CommandRequest request;
    try {
      request = CommandRequest.decode(event.encode());
    } catch (ProtocolException e) {
      LOG.warnf("ignoring a command request that does not decode: %s", e.getMessage());
      return;
    }
    UUID clusterId = request.clusterId();
    String connectionId = connectionByCluster.get(clusterId);
    Link link = connectionId == null ? null : byConnection.get(connectionId);
    Optional<String> clusterName =
        link == null
            ? Optional.empty()
            : link.clusterNames.entrySet().stream()
                .filter(e -> e.getValue().equals(clusterId))
                .map(Map.Entry::getKey)
                .findFirst();
    if (clusterName.isEmpty()) {
      return; // another replica holds the link, or the agent is away and reconciles on return
    }
    if (link.tunnelOnly() && !request.kind().snapshots()) {
      // Karmada carries the desktops' own commands (DirectCommands); none is ever asked here.
      LOG.warnf(
          "not sending %s for %s to tunnel-only agent %s",
          request.kind(), request.desktopId(), link.agentName());
      return;
    }
    send(link, clusterName.get(), request);
  }

  private void send(Link link, String clusterName, CommandRequest request) {
    UUID desktopId = request.desktopId();
    UUID snapshotId = request.snapshotId();
    CommandKind kind = request.kind();
    inventory
        .spec(desktopId, clusterName)
        .flatMap(
            spec ->
                snapshotId == null || spec == null
                    ? Uni.createFrom().item(new Command(null, kind, spec))
                    : snapshots
                        .spec(snapshotId, clusterName)
                        .map(snap -> new Command(null, kind, spec, snap)))
        .flatMap(
            draft -> {
              if (draft.desktop() == null || (snapshotId != null && draft.snapshot() == null)) {
                return Uni.createFrom().voidItem();
              }
              String commandId = UUID.randomUUID().toString();
              pending.put(commandId, new Pending(desktopId, kind, snapshotId, request.clusterId()));
              String frame =
                  codec.encode(new Command(commandId, kind, draft.desktop(), draft.snapshot()));
              return link.outbox.hold(frame)
                  ? Uni.createFrom().voidItem()
                  : link.connection.sendText(frame);
            })
        .subscribe()
        .with(
            v -> {}, e -> LOG.warnf("could not send %s for %s: %s", kind, desktopId, e.toString()));
  }

  /**
   * One agent's link; {@code id} tells it from the agent's other links, on this replica or another
   * (see {@link AgentInventory#disconnected}). A {@code tunnelOnly} link serves clusters Karmada
   * reports (ADR 0048): it takes tunnels, live queries and snapshot commands, and says nothing of
   * their capacity, readiness or desktops.
   */
  record Link(
      WebSocketConnection connection,
      UUID id,
      UUID agentId,
      String agentName,
      String runtime,
      Map<String, UUID> clusterNames,
      boolean tunnelOnly,
      boolean welcomed,
      Outbox outbox,
      Liveness liveness,
      CapacityMemo capacities) {
    Collection<UUID> clusterIds() {
      return List.copyOf(clusterNames.values());
    }

    Link with(
        String runtime, Map<String, UUID> clusterNames, boolean tunnelOnly, boolean welcomed) {
      return new Link(
          connection,
          id,
          agentId,
          agentName,
          runtime,
          clusterNames,
          tunnelOnly,
          welcomed,
          outbox,
          liveness,
          capacities);
    }
  }

  /** Command frames held until the agent has its welcome. */
  static final class Outbox {
    private List<String> held = new ArrayList<>();

    /** Holds {@code frame} if the welcome is not out yet; false means send it now. */
    synchronized boolean hold(String frame) {
      if (held == null) {
        return false;
      }
      held.add(frame);
      return true;
    }

    /** Stops holding and returns what was held. */
    synchronized List<String> open() {
      List<String> frames = held == null ? List.of() : held;
      held = null;
      return frames;
    }
  }

  /**
   * A command sent to the agent of {@code clusterId} and not yet acknowledged; {@code snapshotId}
   * for snapshot commands.
   */
  record Pending(UUID desktopId, CommandKind kind, UUID snapshotId, UUID clusterId) {}
}
