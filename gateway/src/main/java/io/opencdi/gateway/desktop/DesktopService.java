package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.InvalidStateException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.UnschedulableException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.RestorePoints.RestorePoint;
import io.opencdi.gateway.desktop.api.CreateDesktopInput;
import io.opencdi.gateway.desktop.api.CreateDesktopsInput;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.quota.QuotaLimits;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/** The desktop lifecycle: create (with placement), start, stop, delete. */
@ApplicationScoped
public class DesktopService {
  static final int MAX_BULK = 5000;

  private final Db db;
  private final PlacementService placement;
  private final DesktopEventBus events;
  private final DesktopCommands commands;
  private final Quotas quotas;
  private final CreationPipeline pipeline;
  private final RestorePoints restorePoints;
  private final DesktopRepository repository;

  public DesktopService(
      Db db,
      PlacementService placement,
      DesktopEventBus events,
      DesktopCommands commands,
      Quotas quotas,
      CreationPipeline pipeline,
      RestorePoints restorePoints,
      DesktopRepository repository) {
    this.repository = repository;
    this.quotas = quotas;
    this.restorePoints = restorePoints;
    this.pipeline = pipeline;
    this.db = db;
    this.placement = placement;
    this.events = events;
    this.commands = commands;
  }

  /** Creates one desktop, placed and reserved, or fails having changed nothing. */
  public Uni<Desktop> create(Caller caller, CreateDesktopInput input) {
    DesktopInputs.validate(input);
    UUID templateId = io.opencdi.gateway.common.Ids.parse(input.templateId(), "template");
    return pipeline.create(caller, input, templateId);
  }

  /** Creates many desktops in one decision pass and one transaction: all of them, or none. */
  public Uni<List<Desktop>> createMany(Caller caller, CreateDesktopsInput input) {
    List<String> owners = DesktopInputs.owners(caller, input, MAX_BULK);
    UUID templateId = io.opencdi.gateway.common.Ids.parse(input.templateId(), "template");
    String prefix =
        input.namePrefix() == null || input.namePrefix().isBlank()
            ? null
            : input.namePrefix().strip();
    return pipeline.createMany(
        templateId, owners, prefix, input.region(), input.zone(), input.requestId());
  }

  /**
   * Creates a new desktop like the snapshot's desktop whose home volume starts as a copy of the
   * snapshot, placed in the snapshot's cluster (volume snapshots are cluster-local, ADR 0013), and
   * powers it on.
   */
  public Uni<Desktop> restore(Caller caller, UUID snapshotId, String name) {
    String valid = name == null ? null : TextInputs.name(name);
    List<Placed> placed = new ArrayList<>();
    List<DesktopEntity> prepared = new ArrayList<>();
    return db.transaction(
            s ->
                restorePoints
                    .lockReady(s, caller, snapshotId)
                    .flatMap(
                        snap ->
                            lockUser(s, snap.ownerId())
                                .flatMap(
                                    owner ->
                                        s.find(DesktopEntity.class, snap.desktopId())
                                            .flatMap(
                                                source ->
                                                    placeRestored(
                                                        s,
                                                        snap,
                                                        source,
                                                        valid == null ? snap.name() : valid,
                                                        owner,
                                                        placed,
                                                        prepared)))))
        .invoke(() -> settle(placed))
        .onFailure()
        .call(
            e -> {
              forget(placed);
              // What a direct backend was told inside the failed transaction is taken back.
              return prepared.isEmpty()
                  ? Uni.createFrom().voidItem()
                  : commands.undo(prepared.get(0).id, prepared.get(0).clusterId);
            })
        .flatMap(entity -> announceNew(entity).replaceWith(Desktop.from(entity)));
  }

  private Uni<DesktopEntity> placeRestored(
      Mutiny.Session s,
      RestorePoint snap,
      DesktopEntity source,
      String name,
      UserEntity owner,
      List<Placed> placed,
      List<DesktopEntity> prepared) {
    DesktopEntity d = new DesktopEntity();
    d.id = UUID.randomUUID();
    d.name = name;
    d.ownerId = snap.ownerId();
    d.templateId = source.templateId;
    d.image = source.image;
    d.cpuMillis = source.cpuMillis;
    d.memoryMiB = source.memoryMiB;
    d.runtimeClass = source.runtimeClass;
    d.storageClass = source.storageClass;
    d.homeVolumeGiB = source.homeVolumeGiB;
    d.appLayers = source.appLayers;
    d.region = source.region;
    d.zone = source.zone;
    // Its volume will be made in the snapshot's cluster: power-ons come back there.
    d.homeClusterId = snap.clusterId();
    d.restoredFrom = snap.id();
    d.power = Power.ON;
    d.state = DesktopState.PENDING;
    d.createdAt = OffsetDateTime.now();
    d.updatedAt = d.createdAt;
    return fits(s, owner, d, false)
        .flatMap(
            quota ->
                reserve(s, request(d, quota), Optional.of(snap.clusterId().toString()), placed))
        .flatMap(
            p -> {
              d.clusterId = UUID.fromString(p.placement.clusterId());
              d.nodeGroup = p.placement.nodeGroup();
              d.placementSummary = p.summary;
              d.holdsCapacity = true;
              // A direct backend (Karmada) is written inside the transaction, as for a creation.
              return s.persist(d)
                  .call(s::flush)
                  .call(() -> commands.prepare(d, CommandKind.START))
                  .invoke(() -> prepared.add(d))
                  .replaceWith(d);
            });
  }

  /** Powers a desktop on; it comes back where its home volume lives. */
  public Uni<Desktop> start(Caller caller, UUID id) {
    List<Placed> placed = new ArrayList<>();
    return db.transaction(
            s ->
                lockDesktop(s, caller, id)
                    .flatMap(
                        d -> {
                          if (d.deleteRequested || d.state == DesktopState.DELETED) {
                            throw new InvalidStateException("the desktop is being deleted");
                          }
                          if (d.power == Power.ON && d.holdsCapacity) {
                            return Uni.createFrom().item(new Change(d, null)); // already on
                          }
                          if (d.state == DesktopState.STOPPING) {
                            throw new InvalidStateException(
                                "the desktop is still stopping; start it once it is STOPPED");
                          }
                          DesktopState previous = d.state;
                          // Locked like a creation: power-ons of several of the owner's desktops
                          // at once are checked against the quota one after another.
                          return lockUser(s, d.ownerId)
                              .flatMap(owner -> fits(s, owner, d, true))
                              .flatMap(
                                  quota ->
                                      reserve(
                                          s,
                                          request(d, quota),
                                          Optional.ofNullable(d.homeClusterId).map(UUID::toString),
                                          placed))
                              .map(
                                  p -> {
                                    d.clusterId = UUID.fromString(p.placement.clusterId());
                                    d.nodeGroup = p.placement.nodeGroup();
                                    d.placementSummary = p.summary;
                                    d.power = Power.ON;
                                    d.holdsCapacity = true;
                                    d.state = DesktopState.PENDING;
                                    d.statusReason = null;
                                    d.updatedAt = OffsetDateTime.now();
                                    return new Change(d, previous);
                                  })
                              .call(c -> commands.prepare(c.desktop, CommandKind.START));
                        }))
        .invoke(() -> settle(placed))
        .onFailure()
        .invoke(e -> forget(placed))
        .flatMap(c -> announce(c, CommandKind.START));
  }

  /** Powers a desktop off, keeping its home volume. */
  public Uni<Desktop> stop(Caller caller, UUID id) {
    return db.transaction(
            s ->
                lockDesktop(s, caller, id)
                    .map(
                        d -> {
                          if (d.deleteRequested || d.state == DesktopState.DELETED) {
                            throw new InvalidStateException("the desktop is being deleted");
                          }
                          if (d.power == Power.OFF
                              && (d.state == DesktopState.STOPPED
                                  || d.state == DesktopState.STOPPING)) {
                            return new Change(d, null); // already off
                          }
                          return powerOff(d);
                        })
                    .call(c -> prepare(c, CommandKind.STOP)))
        .flatMap(c -> announce(c, CommandKind.STOP));
  }

  /**
   * Powers off, as {@link #stop} does (the home volume is kept), a RUNNING desktop that the
   * template's {@code autoPowerOffMinutes} found without a viewer since {@code lastSeen}: the time
   * the check read, when a viewer was last there or the desktop last changed. Nothing happens if
   * either is later now (a viewer came back, the user acted) or the desktop no longer runs, so a
   * check that read stale rows, or runs on two replicas at once, powers off nothing it should not.
   *
   * @return the desktop powered off, or null when nothing was done
   */
  public Uni<Desktop> powerOffUnattended(UUID id, OffsetDateTime lastSeen, String reason) {
    return db.transaction(
            s ->
                repository
                    .lock(s, id)
                    .flatMap(
                        d -> {
                          if (d == null
                              || d.deleteRequested
                              || d.state != DesktopState.RUNNING
                              || d.power != Power.ON
                              || (d.updatedAt != null && d.updatedAt.isAfter(lastSeen))) {
                            return Uni.createFrom().<Change>nullItem();
                          }
                          return repository
                              .viewedSince(s, id, lastSeen)
                              .map(
                                  viewed -> {
                                    if (viewed) {
                                      return null;
                                    }
                                    Change c = powerOff(d);
                                    d.statusReason = reason;
                                    return c;
                                  });
                        })
                    .call(
                        c ->
                            c == null ? Uni.createFrom().voidItem() : prepare(c, CommandKind.STOP)))
        .flatMap(c -> c == null ? Uni.createFrom().nullItem() : announce(c, CommandKind.STOP));
  }

  /** The power-off of a desktop that is on: its pod goes, its home volume stays. */
  private static Change powerOff(DesktopEntity d) {
    DesktopState previous = d.state;
    d.power = Power.OFF;
    d.state = d.holdsCapacity ? DesktopState.STOPPING : DesktopState.STOPPED;
    d.updatedAt = OffsetDateTime.now();
    return new Change(d, previous);
  }

  /** Deletes a desktop and, once its agent confirms, its home volume. */
  public Uni<Desktop> delete(Caller caller, UUID id) {
    return db.transaction(
            s ->
                lockDesktop(s, caller, id)
                    .map(
                        d -> {
                          if (d.state == DesktopState.DELETED) {
                            return new Change(d, null);
                          }
                          DesktopState previous = d.state;
                          d.deleteRequested = true;
                          d.power = Power.OFF;
                          if (d.clusterId == null) {
                            d.state = DesktopState.DELETED;
                          } else if (d.holdsCapacity) {
                            d.state = DesktopState.STOPPING;
                          }
                          d.updatedAt = OffsetDateTime.now();
                          return new Change(d, previous);
                        })
                    .call(c -> prepare(c, CommandKind.DELETE)))
        .flatMap(c -> announce(c, CommandKind.DELETE));
  }

  // ---- steps inside a transaction ----

  /** A changed desktop's command, applied before the commit where its backend wants that. */
  private Uni<Void> prepare(Change c, CommandKind kind) {
    return c.previous == null || c.desktop.clusterId == null
        ? Uni.createFrom().voidItem()
        : commands.prepare(c.desktop, kind);
  }

  /** The transaction committed: the room it reserved is in the database now. */
  private void settle(List<Placed> placed) {
    placed.forEach(p -> placement.confirm(p.reservationId));
  }

  /** The transaction failed: the room it reserved was never taken. */
  private void forget(List<Placed> placed) {
    placed.forEach(p -> placement.release(p.reservationId, p.placement, p.cpu, p.memory));
  }

  /** Decides, then reserves in the database; retries when a race took the chosen room. */
  private Uni<Placed> reserve(
      Mutiny.Session s, DesktopRequest request, Optional<String> pinned, List<Placed> placed) {
    return attempt(s, request, pinned, placed, 1);
  }

  private Uni<Placed> attempt(
      Mutiny.Session s,
      DesktopRequest request,
      Optional<String> pinned,
      List<Placed> placed,
      int attempt) {
    String reservationId = UUID.randomUUID().toString();
    Decision decision = placement.decide(reservationId, request, pinned);
    if (!(decision instanceof Decision.Scheduled scheduled)) {
      throw new UnschedulableException(DesktopRequests.refusal(decision));
    }
    Placement p = scheduled.placement();
    return placement
        .reserve(s, p, request.cpuMillis(), request.memoryMiB())
        .flatMap(
            ok -> {
              if (ok) {
                Placed result =
                    new Placed(
                        reservationId,
                        p,
                        request.cpuMillis(),
                        request.memoryMiB(),
                        DesktopRequests.summary(scheduled, null));
                placed.add(result);
                return Uni.createFrom().item(result);
              }
              placement.release(reservationId, p, request.cpuMillis(), request.memoryMiB());
              if (attempt >= placement.maxAttempts()) {
                throw new UnschedulableException(
                    "capacity changed under "
                        + attempt
                        + " placement attempts; no room was left that fits this desktop");
              }
              return placement
                  .refresh(UUID.fromString(p.clusterId()))
                  .flatMap(v -> attempt(s, request, pinned, placed, attempt + 1));
            });
  }

  private static DesktopRequest request(DesktopEntity d, Optional<QuotaAllowance> quota) {
    return DesktopRequests.of(d, quota, null);
  }

  private Uni<UserEntity> lockUser(Mutiny.Session s, UUID userId) {
    return repository
        .lockUser(s, userId)
        .onItem()
        .ifNull()
        .failWith(() -> new NotFoundException("your user no longer exists"));
  }

  private Uni<DesktopEntity> lockDesktop(Mutiny.Session s, Caller caller, UUID id) {
    return repository
        .lock(s, id)
        .map(
            d -> {
              // Someone else's desktop is reported exactly like a missing one: no probing.
              if (d == null || !caller.mayActOn(d.ownerId)) {
                throw new NotFoundException("no desktop with id " + id);
              }
              return d;
            });
  }

  /**
   * Refuses with QUOTA_EXCEEDED when {@code d} (new, or powering on: then left out of the usage)
   * does not fit its owner's quota; else what is left, for placement's quota filter. The owner's
   * row must be locked: that serialises one user's creations and power-ons, so two cannot both pass
   * the check.
   */
  private Uni<Optional<QuotaAllowance>> fits(
      Mutiny.Session s, UserEntity owner, DesktopEntity d, boolean exists) {
    return repository
        .usage(s, owner.id, exists ? d.id : null)
        .map(
            used -> {
              quotas.requireRoom(owner, used, 1, d.cpuMillis, d.memoryMiB);
              QuotaLimits q = quotas.of(owner);
              return Optional.of(
                  new QuotaAllowance(
                      q.maxDesktops() - used.desktops(),
                      q.maxCpuMillis() - used.cpuMillis(),
                      q.maxMemoryMiB() - used.memoryMiB()));
            });
  }

  // ---- after the commit ----

  private Uni<Void> announceNew(DesktopEntity d) {
    return events
        .publish(Desktop.from(d), null)
        .flatMap(v -> commands.request(d.id, d.clusterId, CommandKind.START));
  }

  private Uni<Desktop> announce(Change c, CommandKind kind) {
    Desktop view = Desktop.from(c.desktop);
    if (c.previous == null) {
      return Uni.createFrom().item(view);
    }
    Uni<Void> command =
        c.desktop.clusterId == null
            ? Uni.createFrom().voidItem()
            : commands.request(c.desktop.id, c.desktop.clusterId, kind);
    return events.publish(view, c.previous).flatMap(v -> command).replaceWith(view);
  }

  private record Placed(
      String reservationId, Placement placement, long cpu, long memory, String summary) {}

  private record Change(DesktopEntity desktop, DesktopState previous) {}
}
