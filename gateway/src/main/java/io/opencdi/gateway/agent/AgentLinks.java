package io.opencdi.gateway.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.events.Channels;
import io.opencdi.gateway.events.Notifications;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.ProtocolCodec;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
  private final ProtocolCodec codec = new ProtocolCodec();
  private final Notifications notifications;
  private final AgentInventory inventory;

  public AgentLinks(Notifications notifications, AgentInventory inventory, MeterRegistry meters) {
    this.notifications = notifications;
    this.inventory = inventory;
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
        connection.id(), new Link(connection, agentId, agentName, null, Map.of(), false));
  }

  void welcomed(String connectionId, String runtime, Map<String, UUID> clusters) {
    byConnection.computeIfPresent(
        connectionId,
        (id, l) ->
            new Link(l.connection, l.agentId, l.agentName, runtime, Map.copyOf(clusters), true));
    clusters.values().forEach(c -> connectionByCluster.put(c, connectionId));
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

  Pending acknowledged(String commandId) {
    return pending.remove(commandId);
  }

  /** How many agents are connected to this replica and welcomed. */
  public long connectedAgents() {
    return byConnection.values().stream().filter(Link::welcomed).count();
  }

  private void deliver(JsonObject request) {
    UUID clusterId = UUID.fromString(request.getString("clusterId"));
    String connectionId = connectionByCluster.get(clusterId);
    Link link = connectionId == null ? null : byConnection.get(connectionId);
    if (link == null) {
      return; // another replica holds the link, or the agent is away and reconciles on return
    }
    UUID desktopId = UUID.fromString(request.getString("desktopId"));
    CommandKind kind = CommandKind.valueOf(request.getString("kind"));
    String clusterName =
        link.clusterNames.entrySet().stream()
            .filter(e -> e.getValue().equals(clusterId))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    inventory
        .spec(desktopId, clusterName)
        .flatMap(
            spec -> {
              if (spec == null) {
                return Uni.createFrom().voidItem();
              }
              String commandId = UUID.randomUUID().toString();
              pending.put(commandId, new Pending(desktopId, kind));
              return link.connection.sendText(codec.encode(new Command(commandId, kind, spec)));
            })
        .subscribe()
        .with(
            v -> {}, e -> LOG.warnf("could not send %s for %s: %s", kind, desktopId, e.toString()));
  }

  /** One agent's link. */
  record Link(
      WebSocketConnection connection,
      UUID agentId,
      String agentName,
      String runtime,
      Map<String, UUID> clusterNames,
      boolean welcomed) {
    Collection<UUID> clusterIds() {
      return List.copyOf(clusterNames.values());
    }
  }

  /** A command sent and not yet acknowledged. */
  record Pending(UUID desktopId, CommandKind kind) {}
}
