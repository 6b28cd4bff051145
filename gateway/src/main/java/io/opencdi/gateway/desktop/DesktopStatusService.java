package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.LockMode;
import org.hibernate.reactive.mutiny.Mutiny;

/** Records what agents observe and keeps capacity accounting in step with it. */
@ApplicationScoped
public class DesktopStatusService {
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
    UUID id;
    try {
      id = UUID.fromString(status.desktopId());
    } catch (IllegalArgumentException e) {
      return Uni.createFrom().voidItem();
    }
    return db.transaction(
            s ->
                s.find(DesktopEntity.class, id, LockMode.PESSIMISTIC_WRITE)
                    .flatMap(
                        d -> {
                          if (d == null || d.state == DesktopState.DELETED) {
                            return Uni.createFrom().<Change>nullItem();
                          }
                          DesktopState reported = status.state();
                          if (reported == DesktopState.DELETED && !d.deleteRequested) {
                            // Only an explicit delete removes a desktop; an agent that lost it
                            // will be told to bring it back.
                            return Uni.createFrom().<Change>nullItem();
                          }
                          if (d.state == reported
                              && java.util.Objects.equals(d.statusReason, status.reason())) {
                            return Uni.createFrom().<Change>nullItem();
                          }
                          return record(s, d, status);
                        }))
        .flatMap(
            c ->
                c == null
                    ? Uni.createFrom().voidItem()
                    : events.publish(Desktop.from(c.desktop), c.previous));
  }

  /** The agent accepted or refused a command. */
  public Uni<Void> acknowledged(UUID desktopId, boolean accepted, String error) {
    return db.transaction(
            s ->
                s.find(DesktopEntity.class, desktopId, LockMode.PESSIMISTIC_WRITE)
                    .flatMap(
                        d -> {
                          if (d == null) {
                            return Uni.createFrom().<Change>nullItem();
                          }
                          if (accepted) {
                            if (d.state != DesktopState.PENDING) {
                              return Uni.createFrom().<Change>nullItem();
                            }
                            DesktopState previous = d.state;
                            d.state = DesktopState.SCHEDULED;
                            d.updatedAt = OffsetDateTime.now();
                            return Uni.createFrom().item(new Change(d, previous));
                          }
                          return record(
                              s,
                              d,
                              new DesktopStatus(
                                  d.id.toString(), null, null, DesktopState.FAILED, error, 0L));
                        }))
        .flatMap(
            c ->
                c == null
                    ? Uni.createFrom().voidItem()
                    : events.publish(Desktop.from(c.desktop), c.previous));
  }

  private Uni<Change> record(Mutiny.Session s, DesktopEntity d, DesktopStatus status) {
    DesktopState previous = d.state;
    StatusTransition t = StatusTransition.of(d.holdsCapacity, status.state());
    d.state = t.state();
    d.statusReason = status.reason();
    d.holdsCapacity = t.holdsCapacity();
    if (t.homeVolumeCreated() && d.homeClusterId == null) {
      d.homeClusterId = d.clusterId;
    }
    d.updatedAt = OffsetDateTime.now();
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
    return accounting.replaceWith(new Change(d, previous));
  }

  private record Change(DesktopEntity desktop, DesktopState previous) {}
}
