package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Channels;
import io.opencdi.protocol.DesktopStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records what agents observe and keeps capacity accounting in step with it. Reports are applied in
 * batches: one transaction for many reports, which is what lets one gateway keep up with the status
 * stream of a large fleet (docs/adr/0014-agent-report-batches.md). A batch is four set-based
 * statements through the reactive client (lock, desktops, node groups in {@link StatusRepository};
 * NOTIFY), without the ORM: its per-entity work cost more than everything else on this path
 * (docs/adr/0025).
 */
@ApplicationScoped
public class DesktopStatusService {
  private static final Logger LOG = Logger.getLogger(DesktopStatusService.class);

  private final Pool pool;
  private final CreationRepository repository;
  private final StatusRepository statements;

  public DesktopStatusService(
      Pool pool, CreationRepository repository, StatusRepository statements) {
    this.pool = pool;
    this.repository = repository;
    this.statements = statements;
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
    Set<UUID> ids = new HashSet<>();
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
            (agent == null
                    ? Uni.createFrom().<Set<UUID>>nullItem()
                    : statements.clustersOf(tx, agent.agentId()))
                .flatMap(
                    owned ->
                        statements
                            .lock(tx, ids)
                            .map(rows -> refuseForeign(rows, owned, reports, agent)))
                .flatMap(
                    found -> {
                      ReportEffects.Outcome outcome =
                          ReportEffects.apply(
                              found, reports, OffsetDateTime.now().truncatedTo(ChronoUnit.MICROS));
                      return statements
                          .writeDesktops(tx, outcome.changed())
                          .chain(() -> statements.writeCapacity(tx, outcome.capacity()))
                          .chain(() -> announce(tx, outcome.events()));
                    }));
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
