package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * Records what agents observe and keeps capacity accounting in step with it. Reports are applied in
 * batches: one transaction and one NOTIFY round trip for many reports, which is what lets one
 * gateway keep up with the status stream of a large fleet (docs/adr/0014-agent-report-batches.md).
 */
@ApplicationScoped
public class DesktopStatusService {
  private static final Logger LOG = Logger.getLogger(DesktopStatusService.class);

  private final Db db;
  private final PlacementService placement;
  private final DesktopEventBus events;

  public DesktopStatusService(Db db, PlacementService placement, DesktopEventBus events) {
    this.db = db;
    this.placement = placement;
    this.events = events;
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
      UUID id = desktopId(r);
      if (id != null) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return db.transaction(
            s ->
                owned(s, agent)
                    .flatMap(
                        owned ->
                            s.createSelectionQuery(
                                    "from DesktopEntity where id in :ids order by id",
                                    DesktopEntity.class)
                                .setParameter("ids", ids)
                                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                                .getResultList()
                                .map(found -> refuseForeign(found, owned, reports, agent)))
                    .flatMap(
                        found -> {
                          Map<UUID, DesktopEntity> byId = new HashMap<>();
                          found.forEach(d -> byId.put(d.id, d));
                          List<DesktopEventBus.Change> changes = new ArrayList<>();
                          return Multi.createFrom()
                              .iterable(reports)
                              .onItem()
                              .transformToUniAndConcatenate(
                                  r -> {
                                    UUID id = desktopId(r);
                                    DesktopEntity d = id == null ? null : byId.get(id);
                                    return d == null
                                        ? Uni.createFrom().voidItem()
                                        : step(s, d, r)
                                            .invoke(c -> add(changes, c))
                                            .replaceWithVoid();
                                  })
                              .collect()
                              .last()
                              .replaceWith(changes);
                        }))
        .flatMap(changes -> events.publishAll(changes));
  }

  /** The clusters {@code agent} owns, or null when the reports need no owner (no agent). */
  private static Uni<Set<UUID>> owned(Mutiny.Session s, ReportingAgent agent) {
    if (agent == null) {
      return Uni.createFrom().nullItem();
    }
    return s.createSelectionQuery("select id from ClusterEntity where agentId = :a", UUID.class)
        .setParameter("a", agent.agentId())
        .getResultList()
        .map(Set::copyOf);
  }

  /** {@code found} without the desktops of clusters the agent does not own. */
  private static List<DesktopEntity> refuseForeign(
      List<DesktopEntity> found,
      Set<UUID> owned,
      List<DesktopReport> reports,
      ReportingAgent agent) {
    if (owned == null) {
      return found;
    }
    List<DesktopEntity> allowed = new ArrayList<>(found.size());
    Set<UUID> foreign = new HashSet<>();
    for (DesktopEntity d : found) {
      if (d.clusterId != null && owned.contains(d.clusterId)) {
        allowed.add(d);
      } else {
        foreign.add(d.id);
      }
    }
    for (DesktopReport r : reports) {
      if (foreign.contains(desktopId(r))) {
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

  private static void add(List<DesktopEventBus.Change> changes, DesktopEventBus.Change c) {
    if (c != null) {
      changes.add(c);
    }
  }

  private static UUID desktopId(DesktopReport r) {
    return switch (r) {
      case DesktopReport.Acknowledged ack -> ack.desktopId();
      case DesktopReport.Observed observed -> {
        try {
          yield UUID.fromString(observed.status().desktopId());
        } catch (IllegalArgumentException | NullPointerException e) {
          yield null;
        }
      }
    };
  }

  /** One report's effect on a locked desktop; null when it changes nothing. */
  private Uni<DesktopEventBus.Change> step(Mutiny.Session s, DesktopEntity d, DesktopReport r) {
    return switch (r) {
      case DesktopReport.Observed observed -> observed(s, d, observed.status());
      case DesktopReport.Acknowledged ack -> acknowledged(s, d, ack);
    };
  }

  private Uni<DesktopEventBus.Change> observed(
      Mutiny.Session s, DesktopEntity d, DesktopStatus status) {
    if (d.state == DesktopState.DELETED) {
      return Uni.createFrom().nullItem();
    }
    DesktopState reported = status.state();
    if (reported == DesktopState.DELETED && !d.deleteRequested) {
      // Only an explicit delete removes a desktop; an agent that lost it will be told to bring it
      // back.
      return Uni.createFrom().nullItem();
    }
    if (d.state == reported
        && Objects.equals(d.statusReason, status.reason())
        && (status.health() == null
            || (d.health == status.health()
                && Objects.equals(d.healthReason, status.healthReason())))) {
      return Uni.createFrom().nullItem();
    }
    return record(s, d, status);
  }

  private Uni<DesktopEventBus.Change> acknowledged(
      Mutiny.Session s, DesktopEntity d, DesktopReport.Acknowledged ack) {
    if (ack.accepted()) {
      if (d.state != DesktopState.PENDING) {
        return Uni.createFrom().nullItem();
      }
      DesktopState previous = d.state;
      d.state = DesktopState.SCHEDULED;
      d.updatedAt = OffsetDateTime.now();
      return Uni.createFrom().item(new DesktopEventBus.Change(Desktop.from(d), previous));
    }
    return record(
        s, d, new DesktopStatus(d.id.toString(), null, null, DesktopState.FAILED, ack.error(), 0L));
  }

  private Uni<DesktopEventBus.Change> record(
      Mutiny.Session s, DesktopEntity d, DesktopStatus status) {
    DesktopState previous = d.state;
    StatusTransition t = StatusTransition.of(d.holdsCapacity, status.state());
    d.state = t.state();
    d.statusReason = status.reason();
    if (status.health() != null) {
      // Judged by agents that measure it; a status without one leaves the last verdict.
      d.health = status.health();
      d.healthReason = status.health() == DesktopHealth.OK ? null : status.healthReason();
    }
    d.holdsCapacity = t.holdsCapacity();
    if (t.homeVolumeCreated() && d.homeClusterId == null) {
      d.homeClusterId = d.clusterId;
    }
    d.updatedAt = OffsetDateTime.now();
    // The API view is taken now: a later report in the same batch changes the entity again.
    DesktopEventBus.Change change = new DesktopEventBus.Change(Desktop.from(d), previous);
    Uni<Void> accounting = Uni.createFrom().voidItem();
    if (t.release() && d.clusterId != null) {
      accounting = placement.release(s, d.clusterId, d.nodeGroup, d.cpuMillis, d.memoryMiB);
    } else if (t.take() && d.clusterId != null) {
      accounting =
          s.createNativeQuery(
                  "update node_group set used_cpu_millis = used_cpu_millis + ?1,"
                      + " used_memory_mib = used_memory_mib + ?2,"
                      + " used_desktops = used_desktops + 1 where cluster_id = ?3 and name = ?4")
              .setParameter(1, d.cpuMillis)
              .setParameter(2, d.memoryMiB)
              .setParameter(3, d.clusterId)
              .setParameter(4, d.nodeGroup)
              .executeUpdate()
              .replaceWithVoid();
    }
    return accounting.replaceWith(change);
  }
}
