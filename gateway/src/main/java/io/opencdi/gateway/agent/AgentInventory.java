package io.opencdi.gateway.agent;

import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.cluster.ClusterRegistry;
import io.opencdi.gateway.cluster.NodeGroupEntity;
import io.opencdi.gateway.db.ControlPool;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.NodeGroupReport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.reactive.mutiny.Mutiny;

/** What agents tell the gateway about their clusters, written to the inventory. */
@ApplicationScoped
public class AgentInventory {
  private final Db db;
  private final Pool pool;
  private final ClusterRegistry registry;

  public AgentInventory(Db db, ControlPool control, ClusterRegistry registry) {
    this.db = db;
    this.pool = control.pool();
    this.registry = registry;
  }

  /** The agent a token belongs to, or null when the token is unknown or revoked. */
  public Uni<AgentEntity> authenticate(String token) {
    String hash = AgentTokens.hash(token);
    return db.session(
        s ->
            s.createSelectionQuery(
                    "from AgentEntity where tokenHash = :h and revoked = false", AgentEntity.class)
                .setParameter("h", hash)
                .getSingleResultOrNull());
  }

  /**
   * Registers or updates the agent's clusters, all or none, as announced on the link {@code
   * linkId}; they count as ready until the agent's first capacity report says otherwise. A cluster
   * not in the inventory yet joins only with its join token among {@code joinTokens}, or, when
   * {@code claimsUnregistered} (the embedded default's own agent), if no administrator registered
   * the name for another agent.
   *
   * @return the cluster ids by name, or a failure {@link ClusterRefused} when a name belongs to
   *     another agent or may not join
   */
  public Uni<Map<String, UUID>> register(
      UUID agentId,
      UUID linkId,
      String runtime,
      List<ClusterReport> clusters,
      List<String> joinTokens,
      boolean claimsUnregistered) {
    Set<String> hashes =
        joinTokens.stream().map(AgentTokens::hash).collect(Collectors.toUnmodifiableSet());
    Joining joining = new Joining(hashes, claimsUnregistered);
    return helloTransaction(
        agentId, clusters, (s, r) -> upsert(s, agentId, runtime, r, true, joining, linkId));
  }

  /**
   * Applies {@code each} to every item of one Hello, one after another, in one transaction, and
   * maps the clusters by name. One Hello of an agent at a time: an agent that reconnects while its
   * previous Hello is still being written would otherwise insert the same clusters twice (unique
   * violations, deadlocks).
   */
  private <T> Uni<Map<String, UUID>> helloTransaction(
      UUID agentId,
      List<T> items,
      java.util.function.BiFunction<Mutiny.Session, T, Uni<ClusterEntity>> each) {
    return db.transaction(
        s ->
            Db.lockUntilCommit(s, "opencdi.agent-hello." + agentId)
                .chain(
                    () ->
                        Multi.createFrom()
                            .iterable(items)
                            .onItem()
                            .transformToUniAndConcatenate(item -> each.apply(s, item))
                            .collect()
                            .asMap(c -> c.name, c -> c.id)));
  }

  /**
   * Takes the clusters a tunnel-only agent announces (ADR 0048), all or none: each must be a
   * cluster Karmada reports, and either served by this agent already or joining it with its join
   * token. Nothing else of the cluster changes: its capacity, readiness and heartbeat are
   * Karmada's.
   *
   * @return the cluster ids by name, or a failure {@link ClusterRefused}
   */
  public Uni<Map<String, UUID>> registerTunnels(
      UUID agentId, List<String> names, List<String> joinTokens) {
    Set<String> hashes =
        joinTokens.stream().map(AgentTokens::hash).collect(Collectors.toUnmodifiableSet());
    return helloTransaction(agentId, names, (s, n) -> tunnel(s, agentId, n, hashes));
  }

  private Uni<ClusterEntity> tunnel(
      Mutiny.Session s, UUID agentId, String name, Set<String> tokenHashes) {
    return s.createSelectionQuery("from ClusterEntity where name = :n", ClusterEntity.class)
        .setParameter("n", name)
        .setLockMode(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
        .getSingleResultOrNull()
        .flatMap(
            c -> {
              if (c == null || !c.fedByKarmada()) {
                throw new ClusterRefused(
                    name, "is no cluster Karmada reports; a tunnel-only agent serves only those");
              }
              if (agentId.equals(c.tunnelAgentId)) {
                return Uni.createFrom().item(c);
              }
              if (c.tunnelAgentId != null) {
                throw new ClusterRefused(name, "has its tunnel-only agent already");
              }
              return registry
                  .join(s, name, agentId, tokenHashes)
                  .map(
                      outcome -> {
                        if (outcome != ClusterRegistry.Join.JOINED) {
                          throw new ClusterRefused(
                              name,
                              "needs its join token, which is single-use and bound to its name");
                        }
                        c.tunnelAgentId = agentId;
                        return c;
                      });
            });
  }

  /** Applies a capacity report of one of the agent's clusters. */
  public Uni<UUID> capacity(UUID agentId, String runtime, ClusterReport report, boolean ready) {
    return db.transaction(
        s -> upsert(s, agentId, runtime, report, ready, null, null).map(c -> c.id));
  }

  /**
   * Records a heartbeat for all the agent's clusters: the agent was heard from at {@code at}. It
   * proves the link alive and nothing more: whether a cluster is ready is the agent's to say, in
   * its capacity reports, and a heartbeat leaves it as it is. One plain statement, no ORM session:
   * it must stay cheap when the gateway is busiest. The rows are locked in id order, as a Hello's
   * updates do, so the two cannot deadlock; a heartbeat that lost a race with a later one never
   * moves the time back.
   */
  public Uni<Void> heartbeat(Collection<UUID> clusterIds, OffsetDateTime at) {
    if (clusterIds.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return pool.preparedQuery(
            "update cluster set heartbeat_at = greatest(heartbeat_at, $1)"
                + " where id in (select id from cluster where id = any($2) order by id for no key update)")
        .execute(Tuple.of(at, clusterIds.toArray(UUID[]::new)))
        .replaceWithVoid();
  }

  /**
   * Marks the clusters not ready: the link {@code linkId} that announced them is gone. A cluster
   * that a later Hello of the agent announced on another link is left as that link has it: the
   * agent came back before this link's end was noticed (a half-open connection, a close handled
   * late), and heartbeats, which leave readiness alone, would not mark it ready again.
   */
  public Uni<Void> disconnected(UUID linkId, Collection<UUID> clusterIds) {
    if (clusterIds.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return db.transaction(
        s ->
            s.createMutationQuery(
                    "update ClusterEntity set ready = false where id in :ids and linkId = :link")
                .setParameter("ids", clusterIds)
                .setParameter("link", linkId)
                .executeUpdate()
                .replaceWithVoid());
  }

  /** The desired state of every desktop on the clusters that is not deleted. */
  public Uni<List<DesktopSpec>> desired(Map<String, UUID> clusters) {
    if (clusters.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    Map<UUID, String> names =
        clusters.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));
    return db.session(
        s ->
            s.createSelectionQuery(
                    "from DesktopEntity where clusterId in :ids and state <> :deleted"
                        + " and deleteRequested = false",
                    DesktopEntity.class)
                .setParameter("ids", names.keySet())
                .setParameter("deleted", DesktopState.DELETED)
                .getResultList()
                .map(l -> l.stream().map(d -> spec(d, names.get(d.clusterId))).toList()));
  }

  /**
   * Desktops whose deletion was asked for but that the agent no longer has: they are gone, so the
   * deletion is complete.
   */
  public Uni<List<UUID>> deletionsDone(Collection<UUID> clusterIds, Set<String> inventoryIds) {
    if (clusterIds.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    return db.session(
        s ->
            s.createSelectionQuery(
                    "select id from DesktopEntity where clusterId in :ids and deleteRequested = true"
                        + " and state <> :deleted",
                    UUID.class)
                .setParameter("ids", clusterIds)
                .setParameter("deleted", DesktopState.DELETED)
                .getResultList()
                .map(l -> l.stream().filter(id -> !inventoryIds.contains(id.toString())).toList()));
  }

  /**
   * Of the desktops an agent reported, those the gateway deleted or is deleting: the agent deletes
   * exactly these. Desktops the gateway does not know are not among them, so they keep their data
   * (see {@code Welcome.deleted}).
   */
  public Uni<List<String>> deletedAmong(Collection<UUID> clusterIds, Set<String> inventoryIds) {
    if (clusterIds.isEmpty() || inventoryIds.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    return db.session(
        s ->
            s.createSelectionQuery(
                    "select id from DesktopEntity where clusterId in :ids"
                        + " and (deleteRequested = true or state = :deleted)",
                    UUID.class)
                .setParameter("ids", clusterIds)
                .setParameter("deleted", DesktopState.DELETED)
                .getResultList()
                .map(l -> l.stream().map(UUID::toString).filter(inventoryIds::contains).toList()));
  }

  /** The desired state of one desktop, for a command. */
  public Uni<DesktopSpec> spec(UUID desktopId, String clusterName) {
    return db.session(
        s ->
            s.find(DesktopEntity.class, desktopId)
                .map(d -> d == null ? null : spec(d, clusterName)));
  }

  static DesktopSpec spec(DesktopEntity d, String clusterName) {
    return new DesktopSpec(
        d.id.toString(),
        d.name,
        d.ownerId.toString(),
        clusterName,
        d.nodeGroup,
        d.image,
        d.cpuMillis,
        d.memoryMiB,
        d.runtimeClass,
        d.storageClass,
        d.homeVolumeGiB,
        d.power,
        d.restoredFrom == null ? null : d.restoredFrom.toString(),
        LayerStack.toProtocol(d.appLayers));
  }

  /** How clusters not in the inventory yet may join in one Hello. */
  private record Joining(Set<String> tokenHashes, boolean claimsUnregistered) {}

  /**
   * Whether the agent may take {@code name}, which is not in the inventory; fails with {@link
   * ClusterRefused} when it may not.
   */
  private Uni<Void> join(Mutiny.Session s, UUID agentId, String name, Joining joining) {
    if (joining == null) {
      // Only a Hello adds clusters; a capacity update names one the Hello registered.
      return Uni.createFrom().failure(new ClusterRefused(name, "was not registered in hello"));
    }
    return registry
        .join(s, name, agentId, joining.tokenHashes())
        .map(
            outcome ->
                switch (outcome) {
                  case JOINED -> null;
                  case NOT_REGISTERED -> {
                    if (joining.claimsUnregistered()) {
                      yield null;
                    }
                    throw new ClusterRefused(name, "was not registered by an administrator");
                  }
                  case NO_VALID_TOKEN ->
                      throw new ClusterRefused(
                          name, "needs its join token, which is single-use and bound to its name");
                });
  }

  /**
   * Writes what the agent reports of one cluster. {@code joining} and {@code linkId} are those of a
   * Hello; a capacity report has neither and leaves the cluster to the link that announced it.
   */
  private Uni<ClusterEntity> upsert(
      Mutiny.Session s,
      UUID agentId,
      String runtime,
      ClusterReport r,
      boolean ready,
      Joining joining,
      UUID linkId) {
    return s.createSelectionQuery("from ClusterEntity where name = :n", ClusterEntity.class)
        .setParameter("n", r.name())
        .getSingleResultOrNull()
        .call(
            existing ->
                existing == null
                    ? join(s, agentId, r.name(), joining)
                    : Uni.createFrom().voidItem())
        .flatMap(
            existing -> {
              if (existing != null && !agentId.equals(existing.agentId)) {
                throw new ClusterOwnedElsewhere(r.name());
              }
              ClusterEntity c = existing == null ? new ClusterEntity() : existing;
              if (existing == null) {
                c.id = UUID.randomUUID();
                c.name = r.name();
                c.agentId = agentId;
              }
              c.runtime = runtime;
              c.region = r.region();
              c.zone = r.zone();
              c.ready = ready;
              if (linkId != null) {
                c.linkId = linkId;
              }
              c.heartbeatAt = OffsetDateTime.now();
              c.architectures = r.architectures().toArray(String[]::new);
              c.runtimeClasses = r.runtimeClasses().toArray(String[]::new);
              c.storageClasses = r.storageClasses().toArray(String[]::new);
              c.cachedImages = r.cachedImages().toArray(String[]::new);
              c.updatedAt = c.heartbeatAt;
              Uni<Void> saved = existing == null ? s.persist(c).call(s::flush) : s.flush();
              return saved.flatMap(v -> nodeGroups(s, c.id, r.nodeGroups())).replaceWith(c);
            });
  }

  private Uni<Void> nodeGroups(Mutiny.Session s, UUID clusterId, List<NodeGroupReport> reports) {
    return s.createSelectionQuery(
            "from NodeGroupEntity where key.clusterId = :c", NodeGroupEntity.class)
        .setParameter("c", clusterId)
        .getResultList()
        .flatMap(
            existing -> {
              Map<String, NodeGroupEntity> byName = new HashMap<>();
              existing.forEach(g -> byName.put(g.key.name(), g));
              for (NodeGroupReport r : reports) {
                NodeGroupEntity g = byName.remove(r.name());
                boolean fresh = g == null;
                if (fresh) {
                  g = new NodeGroupEntity();
                  g.key = new NodeGroupEntity.Key(clusterId, r.name());
                }
                // used_* is the gateway's own accounting and is never taken from the agent.
                g.arch = r.arch();
                g.cpuMillis = r.cpuMillis();
                g.memoryMiB = r.memoryMiB();
                g.maxDesktops = r.maxDesktops();
                g.externalCpuMillis = r.externalCpuMillis();
                g.externalMemoryMiB = r.externalMemoryMiB();
                if (fresh) {
                  byName.put("\u0000new:" + r.name(), g);
                }
              }
              // Groups the agent no longer reports keep their row (desktops may still be counted
              // there) but offer no room.
              // One session allows one operation at a time, so the new rows go in one call.
              List<Object> created = new java.util.ArrayList<>();
              byName.forEach(
                  (name, g) -> {
                    if (name.startsWith("\u0000new:")) {
                      created.add(g);
                    } else {
                      g.cpuMillis = 0;
                      g.memoryMiB = 0;
                      g.maxDesktops = 0;
                    }
                  });
              return created.isEmpty()
                  ? s.flush()
                  : s.persistAll(created.toArray()).flatMap(v -> s.flush());
            });
  }

  /** A cluster an agent may not announce; its Hello changes nothing. */
  public static class ClusterRefused extends RuntimeException {
    public ClusterRefused(String name, String why) {
      super("cluster '" + name + "' " + why);
    }
  }

  /** A cluster name reported by an agent that is not its owner. */
  public static class ClusterOwnedElsewhere extends ClusterRefused {
    public ClusterOwnedElsewhere(String name) {
      super(name, "belongs to another agent");
    }
  }
}
