package io.opencdi.gateway.karmada;

import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.db.Db;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/** Writes the member clusters Karmada reports into the inventory that placement reads. */
@ApplicationScoped
public class KarmadaInventory {
  /** The runtime of clusters fed by Karmada; such clusters have no agent. */
  public static final String RUNTIME = ClusterEntity.KARMADA;

  private static final Logger LOG = Logger.getLogger(KarmadaInventory.class);
  private static final String UPSERT_GROUP =
      "insert into node_group (cluster_id, name, arch, cpu_millis, memory_mib, max_desktops,"
          + " external_cpu_millis, external_memory_mib) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
          + " on conflict (cluster_id, name) do update set arch = excluded.arch,"
          + " cpu_millis = excluded.cpu_millis, memory_mib = excluded.memory_mib,"
          + " max_desktops = excluded.max_desktops,"
          + " external_cpu_millis = excluded.external_cpu_millis,"
          + " external_memory_mib = excluded.external_memory_mib";

  private final Db db;

  public KarmadaInventory(Db db) {
    this.db = db;
  }

  /** The clusters Karmada fed before, by id: their commands go to Karmada from the start. */
  public Uni<Map<UUID, String>> known() {
    return db.session(
        s ->
            s.createSelectionQuery(
                    "from ClusterEntity where runtime = :r and agentId is null",
                    ClusterEntity.class)
                .setParameter("r", RUNTIME)
                .getResultList()
                .map(l -> l.stream().collect(Collectors.toMap(c -> c.id, c -> c.name))));
  }

  /**
   * Records what Karmada reports of a member cluster; every call is also its heartbeat.
   *
   * @return the cluster's id, or null when an agent serves a cluster of that name (the agent's
   *     report wins; the name would otherwise mean two different clusters)
   */
  public Uni<UUID> upsert(MemberCluster m) {
    return db.transaction(
        s ->
            Db.lockUntilCommit(s, "opencdi.karmada-cluster:" + m.name())
                .chain(
                    () ->
                        s.createSelectionQuery(
                                "from ClusterEntity where name = :n", ClusterEntity.class)
                            .setParameter("n", m.name())
                            .getSingleResultOrNull())
                .flatMap(
                    existing -> {
                      if (existing != null && existing.agentId != null) {
                        LOG.warnf(
                            "Karmada reports cluster %s, which an agent serves; the gateway keeps"
                                + " the agent's",
                            m.name());
                        return Uni.createFrom().<UUID>nullItem();
                      }
                      ClusterEntity c = existing == null ? new ClusterEntity() : existing;
                      if (existing == null) {
                        c.id = UUID.randomUUID();
                        c.name = m.name();
                      }
                      c.runtime = RUNTIME;
                      c.region = m.region();
                      c.zone = m.zone();
                      c.ready = m.ready();
                      c.heartbeatAt = OffsetDateTime.now();
                      c.architectures = new String[] {m.architecture()};
                      c.runtimeClasses = m.runtimeClasses().toArray(String[]::new);
                      c.storageClasses = m.storageClasses().toArray(String[]::new);
                      if (c.cachedImages == null) {
                        c.cachedImages = new String[0];
                      }
                      c.updatedAt = c.heartbeatAt;
                      Uni<Void> saved = existing == null ? s.persist(c).call(s::flush) : s.flush();
                      return saved
                          .chain(
                              () ->
                                  s.createNativeQuery(UPSERT_GROUP)
                                      .setParameter(1, c.id)
                                      .setParameter(2, MemberCluster.NODE_GROUP)
                                      .setParameter(3, m.architecture())
                                      .setParameter(4, m.cpuMillis())
                                      .setParameter(5, m.memoryMiB())
                                      .setParameter(6, m.maxDesktops())
                                      .setParameter(7, m.externalCpuMillis())
                                      .setParameter(8, m.externalMemoryMiB())
                                      .executeUpdate())
                          .replaceWith(c.id);
                    }));
  }

  /**
   * Karmada no longer has the cluster: it takes no desktops. The row stays, since desktops and
   * their home volumes may still refer to it.
   */
  public Uni<UUID> removed(String name) {
    return db.transaction(
        s ->
            s.createSelectionQuery(
                    "from ClusterEntity where name = :n and agentId is null", ClusterEntity.class)
                .setParameter("n", name)
                .getSingleResultOrNull()
                .flatMap(
                    c -> {
                      if (c == null) {
                        return Uni.createFrom().<UUID>nullItem();
                      }
                      c.ready = false;
                      c.updatedAt = OffsetDateTime.now();
                      return s.flush()
                          .chain(
                              () ->
                                  s.createNativeQuery(
                                          "update node_group set cpu_millis = 0, memory_mib = 0,"
                                              + " max_desktops = 0 where cluster_id = ?1")
                                      .setParameter(1, c.id)
                                      .executeUpdate())
                          .replaceWith(c.id);
                    }));
  }
}
