package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Channels;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records what agents observe and keeps capacity accounting in step with it. Reports are applied in
 * batches: one transaction for many reports, which is what lets one gateway keep up with the status
 * stream of a large fleet (docs/adr/0014-agent-report-batches.md). A batch is four set-based
 * statements through the reactive client (lock, desktops, node groups, NOTIFY), without the ORM:
 * its per-entity work cost more than everything else on this path (docs/adr/0025).
 */
@ApplicationScoped
public class DesktopStatusService {
  private static final Logger LOG = Logger.getLogger(DesktopStatusService.class);

  private static final String LOCK =
      "select " + DesktopRows.COLUMNS + " from desktop where id = any($1) order by id for update";
  private static final String UPDATE_DESKTOPS =
      "update desktop d set state = v.state, status_reason = v.reason, health = v.health,"
          + " health_reason = v.health_reason, holds_capacity = v.holds,"
          + " home_cluster_id = v.home, updated_at = v.at"
          + " from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
          + " $6::boolean[], $7::uuid[], $8::timestamptz[])"
          + " as v(id, state, reason, health, health_reason, holds, home, at)"
          + " where d.id = v.id";
  // A group gives back at most what it counts, as a release always did.
  private static final String UPDATE_CAPACITY =
      "update node_group g set used_cpu_millis = greatest(g.used_cpu_millis + v.cpu, 0),"
          + " used_memory_mib = greatest(g.used_memory_mib + v.mem, 0),"
          + " used_desktops = greatest(g.used_desktops + v.n, 0)"
          + " from unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[])"
          + " as v(cluster_id, name, cpu, mem, n)"
          + " where g.cluster_id = v.cluster_id and g.name = v.name";

  private final Pool pool;
  private final CreationRepository repository;

  public DesktopStatusService(Pool pool, CreationRepository repository) {
    this.pool = pool;
    this.repository = repository;
  }

  /** Applies an agent's status report; reports of unknown or deleted desktops are ignored. */
  public Uni<Void> apply(DesktopStatus status) {
    return applyAll(List.of(new DesktopReport.Observed(status)));
  }

  /** The agent accepted or refused a command. */
  public Uni<Void> acknowledged(UUID desktopId, boolean accepted, String error) {
    return applyAll(List.of(new DesktopReport.Acknowledged(desktopId, accepted, error)));
  }

  /**
   * Applies reports in the order given, in one transaction, then announces every change they made
   * in that order. Should the batch fail as a whole, each report is applied on its own, so one
   * report that cannot be applied does not cost the others.
   */
  public Uni<Void> applyAll(List<DesktopReport> reports) {
    return applyAll(reports, null);
  }

  /**
   * Applies reports as {@link #applyAll(List)} does, but only to desktops on clusters that {@code
   * agent} owns: the ownership is checked on the locked rows, so a desktop moved to another cluster
   * meanwhile is not touched. Each report about another agent's desktop changes nothing and is
   * handed to {@link ReportingAgent#refused}.
   */
  public Uni<Void> applyAll(List<DesktopReport> reports, ReportingAgent agent) {
    if (reports.size() <= 1) {
      return applyBatch(reports, agent);
    }
    return applyBatch(reports, agent)
        .onFailure()
        .recoverWithUni(
            e -> {
              LOG.warnf(
                  "a batch of %d reports failed (%s); applying them one by one",
                  reports.size(), e.toString());
              return Multi.createFrom()
                  .iterable(reports)
                  .onItem()
                  .transformToUniAndConcatenate(
                      r ->
                          applyBatch(List.of(r), agent)
                              .onFailure()
                              .invoke(f -> LOG.warnf("could not apply %s: %s", r, f.toString()))
                              .onFailure()
                              .recoverWithNull())
                  .collect()
                  .last()
                  .replaceWithVoid();
            });
  }

  private Uni<Void> applyBatch(List<DesktopReport> reports, ReportingAgent agent) {
    // Rows are locked in id order, so two batches never wait for each other in a cycle.
    TreeSet<UUID> ids = new TreeSet<>();
    for (DesktopReport r : reports) {
      UUID id = ReportEffects.desktopId(r);
      if (id != null) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return pool.withTransaction(
        tx ->
            owned(tx, agent)
                .flatMap(
                    owned ->
                        tx.preparedQuery(LOCK)
                            .execute(Tuple.of(ids.toArray(UUID[]::new)))
                            .map(rows -> refuseForeign(rows, owned, reports, agent)))
                .flatMap(
                    found -> {
                      ReportEffects.Outcome outcome =
                          ReportEffects.apply(
                              found, reports, OffsetDateTime.now().truncatedTo(ChronoUnit.MICROS));
                      return writeDesktops(tx, outcome.changed())
                          .chain(() -> writeCapacity(tx, outcome.capacity()))
                          .chain(() -> announce(tx, outcome.events()));
                    }));
  }

  /** The state the reports left, one statement for every changed desktop of the batch. */
  private static Uni<Void> writeDesktops(SqlConnection tx, List<DesktopEntity> changed) {
    if (changed.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    int n = changed.size();
    UUID[] id = new UUID[n];
    String[] state = new String[n];
    String[] reason = new String[n];
    String[] health = new String[n];
    String[] healthReason = new String[n];
    Boolean[] holds = new Boolean[n];
    UUID[] home = new UUID[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      DesktopEntity d = changed.get(i);
      id[i] = d.id;
      state[i] = d.state.name();
      reason[i] = d.statusReason;
      health[i] = (d.health == null ? DesktopHealth.OK : d.health).name();
      healthReason[i] = d.healthReason;
      holds[i] = d.holdsCapacity;
      home[i] = d.homeClusterId;
      at[i] = d.updatedAt;
    }
    Tuple values = Tuple.tuple();
    for (Object column : new Object[] {id, state, reason, health, healthReason, holds, home, at}) {
      values.addValue(column);
    }
    return tx.preparedQuery(UPDATE_DESKTOPS).execute(values).replaceWithVoid();
  }

  /** What the batch took and gave back, one statement for all its node groups, in lock order. */
  private static Uni<Void> writeCapacity(
      SqlConnection tx, Map<ReportEffects.Group, ReportEffects.Delta> capacity) {
    if (capacity.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    int n = capacity.size();
    UUID[] cluster = new UUID[n];
    String[] name = new String[n];
    Long[] cpu = new Long[n];
    Long[] memory = new Long[n];
    Integer[] desktops = new Integer[n];
    int i = 0;
    for (Map.Entry<ReportEffects.Group, ReportEffects.Delta> e : capacity.entrySet()) {
      cluster[i] = e.getKey().clusterId();
      name[i] = e.getKey().name();
      cpu[i] = e.getValue().cpuMillis;
      memory[i] = e.getValue().memoryMiB;
      desktops[i] = e.getValue().desktops;
      i++;
    }
    return tx.preparedQuery(UPDATE_CAPACITY)
        .execute(Tuple.of(cluster, name, cpu, memory, desktops))
        .replaceWithVoid();
  }

  /** Queues the batch's events, delivered on commit and only then, in order. */
  private Uni<Void> announce(SqlConnection tx, List<DesktopEventBus.Change> changes) {
    if (changes.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return repository.notifyOnCommit(
        tx,
        Map.of(
            Channels.DESKTOP,
            changes.stream()
                .map(c -> DesktopEventBus.event(c.desktop(), c.previous()).encode())
                .toList()));
  }

  /** The clusters {@code agent} owns, or null when the reports need no owner (no agent). */
  private static Uni<Set<UUID>> owned(SqlConnection tx, ReportingAgent agent) {
    if (agent == null) {
      return Uni.createFrom().nullItem();
    }
    return tx.preparedQuery("select id from cluster where agent_id = $1")
        .execute(Tuple.of(agent.agentId()))
        .map(
            rows -> {
              Set<UUID> ids = new HashSet<>();
              rows.forEach(r -> ids.add(r.getUUID(0)));
              return ids;
            });
  }

  /** The locked desktops by id, without those of clusters the agent does not own. */
  private static Map<UUID, DesktopEntity> refuseForeign(
      RowSet<Row> rows, Set<UUID> owned, List<DesktopReport> reports, ReportingAgent agent) {
    Map<UUID, DesktopEntity> allowed = new HashMap<>();
    Set<UUID> foreign = new HashSet<>();
    for (Row row : rows) {
      DesktopEntity d = DesktopRows.read(row);
      if (owned == null || (d.clusterId != null && owned.contains(d.clusterId))) {
        allowed.put(d.id, d);
      } else {
        foreign.add(d.id);
      }
    }
    for (DesktopReport r : reports) {
      if (foreign.contains(ReportEffects.desktopId(r))) {
        agent.refused(r);
      }
    }
    return allowed;
  }

  /**
   * The agent whose reports are applied, and what to do with each report about a desktop on a
   * cluster it does not own.
   */
  public interface ReportingAgent {
    UUID agentId();

    void refused(DesktopReport report);
  }
}
