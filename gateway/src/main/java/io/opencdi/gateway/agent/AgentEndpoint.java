package io.opencdi.gateway.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.cluster.ClusterEventBus;
import io.opencdi.gateway.desktop.DesktopReport;
import io.opencdi.gateway.desktop.PrintAnnouncements;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.snapshot.SnapshotService;
import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolException;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.SnapshotStatus;
import io.opencdi.protocol.TunnelRefused;
import io.opencdi.protocol.Welcome;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The gateway's end of the agents' control channel (docs/agent-protocol.md). Agents dial in, so
 * member clusters need no inbound port. Frames of one connection are handled one after another, and
 * quickly: desktop reports only join the agent's {@link ReportQueue}, and a heartbeat only asks for
 * the time of the latest frame to be written, so nothing the database does holds the reader up.
 */
@WebSocket(path = ProtocolVersion.PATH)
public class AgentEndpoint {
  private static final Logger LOG = Logger.getLogger(AgentEndpoint.class);

  private final ProtocolCodec codec = new ProtocolCodec();
  private final AgentInventory inventory;
  private final AgentLinks links;
  private final ClusterEventBus clusterEvents;
  private final AgentLinkConfig config;
  private final Event<AgentTunnelRefusal> tunnelRefusals;
  private final SnapshotService snapshots;
  @Inject LiveQueries liveQueries;
  @Inject AgentRefusals refusals;
  @Inject CapacityLimits limits;
  @Inject MeterRegistry meters;
  @Inject PlacementService placement;
  @Inject PrintAnnouncements prints;

  /** Capacity updates skipped because they said what the last one applied said. */
  public static final String REPEATED_CAPACITY = "opencdi.agents.capacity.repeated";

  public AgentEndpoint(
      AgentInventory inventory,
      AgentLinks links,
      ClusterEventBus clusterEvents,
      AgentLinkConfig config,
      Event<AgentTunnelRefusal> tunnelRefusals,
      SnapshotService snapshots) {
    this.snapshots = snapshots;
    this.tunnelRefusals = tunnelRefusals;
    this.inventory = inventory;
    this.links = links;
    this.clusterEvents = clusterEvents;
    this.config = config;
  }

  @OnOpen
  public Uni<Void> onOpen(WebSocketConnection connection) {
    String header = connection.handshakeRequest().header("Authorization");
    if (header == null || !header.startsWith("Bearer ") || header.length() > 512) {
      return close(connection, CloseCodes.UNAUTHORIZED, "agent token required");
    }
    return inventory
        .authenticate(header.substring("Bearer ".length()).strip())
        .flatMap(
            agent -> {
              if (agent == null) {
                return close(connection, CloseCodes.UNAUTHORIZED, "unknown or revoked agent token");
              }
              links.opened(connection, agent.id, agent.name);
              return Uni.createFrom().voidItem();
            });
  }

  @OnTextMessage
  public Uni<Void> onMessage(WebSocketConnection connection, String text) {
    AgentLinks.Link link = links.link(connection.id());
    if (link == null) {
      return Uni.createFrom().voidItem(); // closing: the token was refused
    }
    link.liveness().frame(); // any frame proves the agent alive
    Message message;
    try {
      message = codec.decode(text);
    } catch (ProtocolException e) {
      return close(connection, CloseCodes.PROTOCOL_ERROR, "malformed frame");
    }
    if (!link.welcomed() && !(message instanceof Hello)) {
      return close(connection, CloseCodes.PROTOCOL_ERROR, "hello must come first");
    }
    return switch (message) {
      case Hello hello -> hello(connection, link, hello);
      case Heartbeat h -> heartbeat(link);
      case CapacityUpdate update -> capacity(connection, link, update);
      case DesktopStatus status -> {
        if (link.tunnelOnly()) {
          // Karmada reports these desktops' states (ADR 0048).
          refusals.refused(
              link.agentName(), "status", "a tunnel-only link reports no desktop states");
          yield Uni.createFrom().voidItem();
        }
        yield report(link, new DesktopReport.Observed(status));
      }
      case CommandAck ack -> acknowledged(link, ack);
      // Snapshots are rare and slow; their status is written as it comes.
      case SnapshotStatus snapshot ->
          keepingTheLink(
              snapshots.apply(
                  snapshot,
                  link.clusterIds(),
                  () ->
                      refusals.refused(
                          link.agentName(),
                          "snapshot",
                          "snapshot "
                              + snapshot.snapshotId()
                              + " is not on a cluster of this agent")),
              "the status of snapshot " + snapshot.snapshotId());
      case PrintJob job ->
          keepingTheLink(
              prints.reported(
                  job,
                  link.clusterIds(),
                  () ->
                      refusals.refused(
                          link.agentName(),
                          "print",
                          "desktop " + job.desktopId() + " is not on a cluster of this agent")),
              "the print job of desktop " + job.desktopId());
      case TunnelRefused refused -> {
        tunnelRefusals.fire(new AgentTunnelRefusal(link.agentId(), link.agentName(), refused));
        yield Uni.createFrom().voidItem();
      }
      case LiveReport report -> {
        liveQueries.reported(
            link.clusterNames(),
            report,
            () ->
                refusals.refused(
                    link.agentName(),
                    "live",
                    "cluster " + report.cluster() + " is not served by this link"));
        yield Uni.createFrom().voidItem();
      }
      default -> close(connection, CloseCodes.PROTOCOL_ERROR, "unexpected frame");
    };
  }

  @OnClose
  public Uni<Void> onClose(WebSocketConnection connection) {
    AgentLinks.Link link = links.closed(connection.id());
    if (link == null || link.clusterIds().isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    LOG.infof("agent %s disconnected", link.agentName());
    if (link.tunnelOnly()) {
      // Karmada says whether its clusters are ready; only their tunnels went with the link.
      return link.liveness().close();
    }
    return link.liveness()
        .close()
        .flatMap(v -> inventory.disconnected(link.id(), link.clusterIds()))
        .flatMap(v -> publishAll(link.clusterIds(), "health"));
  }

  private Uni<Void> hello(WebSocketConnection connection, AgentLinks.Link link, Hello hello) {
    if (hello.protocolVersion() != ProtocolVersion.CURRENT) {
      return close(
          connection,
          CloseCodes.UNSUPPORTED_VERSION,
          "gateway speaks protocol " + ProtocolVersion.CURRENT);
    }
    if (hello.tunnelOnly()) {
      return tunnelHello(connection, link, hello);
    }
    // A Hello rewrites every cluster it names; updates after it are compared with nothing.
    link.capacities().forget();
    for (ClusterReport cluster : hello.clusters()) {
      Optional<String> beyond = limits.violation(cluster);
      if (beyond.isPresent()) {
        refusals.refused(link.agentName(), "hello", beyond.get());
        return close(connection, CloseCodes.PROTOCOL_ERROR, "capacity out of bounds");
      }
    }
    Set<String> inventoryIds =
        hello.inventory().stream().map(DesktopStatus::desktopId).collect(Collectors.toSet());
    return inventory
        .register(
            link.agentId(),
            link.id(),
            hello.runtime(),
            hello.clusters(),
            hello.joinTokens(),
            claimsUnregistered(link))
        .onFailure(AgentInventory.ClusterRefused.class)
        .call(e -> refuseHello(connection, link, e))
        .flatMap(
            clusters -> {
              links.registered(connection.id(), hello.runtime(), clusters, false);
              LOG.infof(
                  "agent %s (%s) connected with %d clusters and %d desktops",
                  link.agentName(), hello.runtime(), clusters.size(), hello.inventory().size());
              return links
                  .reports(link.agentId(), link.agentName())
                  .addAll(
                      hello.inventory().stream()
                          .<DesktopReport>map(DesktopReport.Observed::new)
                          .toList())
                  .flatMap(v -> finishDeletions(link, clusters, inventoryIds))
                  // This replica can place on the clusters before the agent hears it is welcome;
                  // the others hear of them now and reload (ADR 0022).
                  .flatMap(v -> loadIntoPlacement(clusters.values()))
                  .flatMap(v -> publishAll(clusters.values(), "registered"))
                  .flatMap(v -> inventory.desired(clusters))
                  .flatMap(
                      desired ->
                          inventory
                              .deletedAmong(clusters.values(), inventoryIds)
                              .flatMap(
                                  deleted ->
                                      connection.sendText(
                                          codec.encode(
                                              new Welcome(
                                                  ProtocolVersion.CURRENT,
                                                  config.heartbeatSeconds(),
                                                  desired,
                                                  deleted)))))
                  .flatMap(v -> links.welcomed(connection.id()))
                  .flatMap(v -> snapshots.resume(clusters.values()));
            })
        .onFailure(AgentInventory.ClusterRefused.class)
        .recoverWithNull()
        .replaceWithVoid();
  }

  /** A Hello that may not take its clusters: counted, and the link closed with 4403. */
  private Uni<Void> refuseHello(WebSocketConnection connection, AgentLinks.Link link, Throwable e) {
    refusals.refused(link.agentName(), "hello", e.getMessage());
    return close(connection, CloseCodes.FORBIDDEN, e.getMessage());
  }

  /**
   * The Hello of a tunnel-only agent in a member cluster Karmada commands (ADR 0048): its clusters
   * get this link for tunnels, live queries and snapshot commands, and nothing the agent says of
   * capacity or desktops is read. Its Welcome lists no desktops: Karmada carries their commands.
   */
  private Uni<Void> tunnelHello(WebSocketConnection connection, AgentLinks.Link link, Hello hello) {
    List<String> names = hello.clusters().stream().map(ClusterReport::name).distinct().toList();
    return inventory
        .registerTunnels(link.agentId(), names, hello.joinTokens())
        .onFailure(AgentInventory.ClusterRefused.class)
        .call(e -> refuseHello(connection, link, e))
        .flatMap(
            clusters -> {
              links.registered(connection.id(), hello.runtime(), clusters, true);
              LOG.infof(
                  "tunnel-only agent %s (%s) connected for %d Karmada clusters",
                  link.agentName(), hello.runtime(), clusters.size());
              return connection
                  .sendText(
                      codec.encode(
                          new Welcome(
                              ProtocolVersion.CURRENT,
                              config.heartbeatSeconds(),
                              List.of(),
                              List.of())))
                  .flatMap(v -> links.welcomed(connection.id()))
                  .flatMap(v -> snapshots.resume(clusters.values()));
            })
        .onFailure(AgentInventory.ClusterRefused.class)
        .recoverWithNull()
        .replaceWithVoid();
  }

  /**
   * The embedded default's own agent registers the clusters it announces (ADR 0022), when the
   * gateway allows it; every other agent needs a join token per new cluster.
   */
  private boolean claimsUnregistered(AgentLinks.Link link) {
    return config.bootstrapClaims()
        && config.bootstrapToken().isPresent()
        && config.bootstrapAgentName().equals(link.agentName());
  }

  private Uni<Void> finishDeletions(
      AgentLinks.Link link, Map<String, UUID> clusters, Set<String> inventoryIds) {
    return inventory
        .deletionsDone(clusters.values(), inventoryIds)
        .flatMap(
            done ->
                links
                    .reports(link.agentId(), link.agentName())
                    .addAll(
                        done.stream()
                            .<DesktopReport>map(
                                id ->
                                    new DesktopReport.Observed(
                                        new DesktopStatus(
                                            id.toString(),
                                            null,
                                            null,
                                            DesktopState.DELETED,
                                            null,
                                            0L)))
                            .toList()));
  }

  private Uni<Void> capacity(
      WebSocketConnection connection, AgentLinks.Link link, CapacityUpdate update) {
    if (link.tunnelOnly()) {
      refusals.refused(link.agentName(), "capacity", "a tunnel-only link reports no capacity");
      return close(connection, CloseCodes.FORBIDDEN, "a tunnel-only link reports no capacity");
    }
    if (!link.clusterNames().containsKey(update.cluster().name())) {
      refusals.refused(
          link.agentName(),
          "capacity",
          "cluster " + update.cluster().name() + " was not registered in hello");
      return close(connection, CloseCodes.FORBIDDEN, "cluster was not registered in hello");
    }
    Optional<String> beyond = limits.violation(update.cluster());
    if (beyond.isPresent()) {
      refusals.refused(link.agentName(), "capacity", beyond.get());
      return close(connection, CloseCodes.PROTOCOL_ERROR, "capacity out of bounds");
    }
    if (link.capacities().repeats(update)) {
      meters.counter(REPEATED_CAPACITY).increment();
      return Uni.createFrom().voidItem();
    }
    return keepingTheLink(
        inventory
            .capacity(link.agentId(), link.runtime(), update.cluster(), update.ready())
            .flatMap(id -> clusterEvents.publish(id, "capacity"))
            .invoke(() -> link.capacities().applied(update))
            .onFailure()
            .invoke(e -> link.capacities().forget()),
        "a capacity update of cluster " + update.cluster().name());
  }

  /**
   * A frame's work that may fail without closing the channel: a failed frame handler closes it with
   * 1011, and with it every cluster of the agent, for what a busy database did to one frame. The
   * agent's next report of the same kind, or its Hello, brings the state again.
   */
  private static Uni<Void> keepingTheLink(Uni<Void> work, String what) {
    return work.onFailure()
        .recoverWithItem(
            e -> {
              LOG.warnf("could not apply %s: %s", what, e.toString());
              return null;
            });
  }

  private Uni<Void> acknowledged(AgentLinks.Link link, CommandAck ack) {
    AgentLinks.Pending pending = links.acknowledged(link, ack.commandId());
    if (pending == null) {
      return Uni.createFrom().voidItem();
    }
    if (pending.snapshotId() != null) {
      return snapshots.acknowledged(
          pending.snapshotId(), pending.kind(), ack.accepted(), ack.error());
    }
    return report(
        link, new DesktopReport.Acknowledged(pending.desktopId(), ack.accepted(), ack.error()));
  }

  private Uni<Void> report(AgentLinks.Link link, DesktopReport report) {
    links.reports(link.agentId(), link.agentName()).add(report);
    return Uni.createFrom().voidItem();
  }

  private Uni<Void> heartbeat(AgentLinks.Link link) {
    if (link.tunnelOnly()) {
      return Uni.createFrom().voidItem(); // Karmada's watch is its clusters' heartbeat
    }
    link.liveness()
        .persist(
            at ->
                inventory.heartbeat(
                    link.clusterIds(),
                    OffsetDateTime.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC)));
    return Uni.createFrom().voidItem();
  }

  private Uni<Void> loadIntoPlacement(java.util.Collection<UUID> ids) {
    return Multi.createFrom()
        .iterable(ids)
        .onItem()
        .transformToUniAndConcatenate(placement::refresh)
        .collect()
        .last()
        .replaceWithVoid();
  }

  private Uni<Void> publishAll(java.util.Collection<UUID> ids, String reason) {
    return Multi.createFrom()
        .iterable(ids)
        .onItem()
        .transformToUniAndConcatenate(id -> clusterEvents.publish(id, reason))
        .collect()
        .last()
        .replaceWithVoid();
  }

  private static Uni<Void> close(WebSocketConnection connection, int code, String reason) {
    // A close reason must fit in a control frame (123 bytes); names in it come from the agent.
    StringBuilder text = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < reason.length(); i = reason.offsetByCodePoints(i, 1)) {
      String c = new String(Character.toChars(reason.codePointAt(i)));
      bytes += c.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (bytes > 120) {
        break;
      }
      text.append(c);
    }
    return connection.close(new CloseReason(code, text.toString()));
  }
}
