package io.opencdi.gateway.snapshot;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.common.InvalidStateException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopCommands;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.gateway.snapshot.api.DesktopSnapshot;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.LockMode;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Snapshots of desktops' home volumes: taking, listing and deleting them, and recording what the
 * agents report. Restoring one is a desktop creation ({@code DesktopService.restore}).
 */
@ApplicationScoped
public class SnapshotService {
  /** Names as for desktops: what a person types, safe to show anywhere. */
  private final Db db;

  private final SnapshotCommands commands;
  private final DesktopCommands desktopCommands;
  private final Quotas quotas;
  private final SnapshotRepository repository;

  public SnapshotService(
      Db db,
      SnapshotCommands commands,
      Quotas quotas,
      DesktopCommands desktopCommands,
      SnapshotRepository repository) {
    this.repository = repository;
    this.desktopCommands = desktopCommands;
    this.quotas = quotas;
    this.db = db;
    this.commands = commands;
  }

  /** Takes a snapshot of a desktop's home volume, running or powered off. */
  public Uni<DesktopSnapshot> snapshot(Caller caller, UUID desktopId, String name) {
    String valid = TextInputs.name(name);
    return db.transaction(
            s ->
                s.find(DesktopEntity.class, desktopId, LockMode.PESSIMISTIC_READ)
                    .flatMap(
                        d -> {
                          // Someone else's desktop is reported exactly like a missing one.
                          if (d == null || !caller.mayActOn(d.ownerId)) {
                            throw new NotFoundException("no desktop with id " + desktopId);
                          }
                          if (d.deleteRequested || d.state == DesktopState.DELETED) {
                            throw new InvalidStateException("the desktop is being deleted");
                          }
                          if (d.homeClusterId == null) {
                            throw new InvalidStateException(
                                "the desktop has no home volume yet; take a snapshot once it has"
                                    + " run");
                          }
                          if (!desktopCommands.direct(d.homeClusterId)) {
                            return requireRoom(s, d).map(v -> newSnapshot(d, valid));
                          }
                          // On a cluster Karmada commands, the member's tunnel-only agent takes
                          // it (ADR 0048); without one it would stay PENDING.
                          return s.find(ClusterEntity.class, d.homeClusterId)
                              .flatMap(
                                  c -> {
                                    if (c == null || c.tunnelAgentId == null) {
                                      throw new InvalidStateException(
                                          "the desktop's Karmada cluster has no tunnel-only agent"
                                              + " to take snapshots; the desktop is unchanged");
                                    }
                                    return requireRoom(s, d).map(v -> newSnapshot(d, valid));
                                  });
                        })
                    .call(s::persist))
        .call(snap -> commands.request(snap, CommandKind.SNAPSHOT))
        .map(DesktopSnapshot::from);
  }

  /**
   * Refuses a snapshot beyond the owner's or the desktop's limit. The owner's row is locked, as for
   * a desktop creation, so that snapshots taken at once are counted one after another.
   */
  private Uni<Void> requireRoom(Mutiny.Session s, DesktopEntity d) {
    return s.find(UserEntity.class, d.ownerId, LockMode.PESSIMISTIC_WRITE)
        .flatMap(
            owner ->
                repository
                    .held(s, d.ownerId, d.id)
                    .invoke(
                        held ->
                            quotas.requireSnapshotRoom(owner, held.ofOwner(), held.ofDesktop())))
        .replaceWithVoid();
  }

  private static SnapshotEntity newSnapshot(DesktopEntity d, String valid) {
    SnapshotEntity snap = new SnapshotEntity();
    snap.id = UUID.randomUUID();
    snap.name = valid;
    snap.desktopId = d.id;
    snap.ownerId = d.ownerId;
    snap.clusterId = d.homeClusterId;
    snap.state = SnapshotState.PENDING;
    snap.createdAt = OffsetDateTime.now();
    snap.updatedAt = snap.createdAt;
    return snap;
  }

  /** Deletes a snapshot in its cluster; it disappears once the cluster confirms. */
  public Uni<DesktopSnapshot> delete(Caller caller, UUID id) {
    return db.transaction(
            s ->
                lock(s, caller, id)
                    .map(
                        snap -> {
                          boolean already = snap.state == SnapshotState.DELETING;
                          snap.state = SnapshotState.DELETING;
                          snap.statusReason = null;
                          snap.updatedAt = OffsetDateTime.now();
                          return new Change(snap, !already);
                        }))
        .call(
            c ->
                c.send
                    ? commands.request(c.snapshot, CommandKind.DELETE_SNAPSHOT)
                    : Uni.createFrom().voidItem())
        .map(c -> DesktopSnapshot.from(c.snapshot));
  }

  /** One snapshot the caller may see; someone else's is reported like a missing one. */
  public Uni<DesktopSnapshot> one(Caller caller, UUID id) {
    return db.session(
        s ->
            s.find(SnapshotEntity.class, id)
                .map(
                    snap -> {
                      if (snap == null || !caller.mayActOn(snap.ownerId)) {
                        throw new NotFoundException("no snapshot with id " + id);
                      }
                      return DesktopSnapshot.from(snap);
                    }));
  }

  /** The caller's snapshots (every snapshot for an admin), newest first. */
  public Uni<List<DesktopSnapshot>> list(Caller caller) {
    return db.session(
        s ->
            repository
                .newest(s, caller.admin() ? null : caller.userId(), 1000)
                .map(l -> l.stream().map(DesktopSnapshot::from).toList()));
  }

  /** The snapshots of each desktop, newest first, in one query. */
  public Uni<List<List<DesktopSnapshot>>> ofDesktops(List<UUID> desktopIds) {
    return db.session(
        s ->
            repository
                .ofDesktops(s, desktopIds)
                .map(
                    l -> {
                      Map<UUID, List<DesktopSnapshot>> byDesktop = new HashMap<>();
                      for (SnapshotEntity e : l) {
                        byDesktop
                            .computeIfAbsent(e.desktopId, k -> new ArrayList<>())
                            .add(DesktopSnapshot.from(e));
                      }
                      return desktopIds.stream()
                          .map(id -> byDesktop.getOrDefault(id, List.of()))
                          .toList();
                    }));
  }

  /** The snapshot as a command names it, or null when it is gone. */
  public Uni<SnapshotSpec> spec(UUID snapshotId, String clusterName) {
    return db.session(
        s ->
            s.find(SnapshotEntity.class, snapshotId)
                .map(
                    snap ->
                        snap == null
                            ? null
                            : new SnapshotSpec(
                                snap.id.toString(),
                                snap.name,
                                snap.desktopId.toString(),
                                clusterName)));
  }

  /**
   * Records what an agent reports about a snapshot. Reports about snapshots outside the reporting
   * agent's clusters change nothing and are handed to {@code foreign}; reports about unknown
   * snapshots are ignored.
   */
  public Uni<Void> apply(SnapshotStatus status, Collection<UUID> agentClusters, Runnable foreign) {
    UUID id;
    try {
      id = UUID.fromString(status.snapshotId());
    } catch (IllegalArgumentException | NullPointerException e) {
      return Uni.createFrom().voidItem();
    }
    if (status.state() == null) {
      return Uni.createFrom().voidItem();
    }
    return db.transaction(
        s ->
            s.find(SnapshotEntity.class, id, LockMode.PESSIMISTIC_WRITE)
                .flatMap(
                    snap -> {
                      if (snap == null) {
                        return Uni.createFrom().voidItem();
                      }
                      if (!agentClusters.contains(snap.clusterId)) {
                        foreign.run();
                        return Uni.createFrom().voidItem();
                      }
                      SnapshotTransition.Outcome next = SnapshotTransition.of(snap.state, status);
                      return switch (next) {
                        case SnapshotTransition.Outcome.Ignore ignore ->
                            Uni.createFrom().voidItem();
                        case SnapshotTransition.Outcome.Remove remove ->
                            s.remove(snap).replaceWithVoid();
                        case SnapshotTransition.Outcome.Record r -> {
                          snap.state = r.state();
                          snap.statusReason = r.reason();
                          if (r.sizeBytes() != null) {
                            snap.sizeBytes = r.sizeBytes();
                          }
                          snap.updatedAt = OffsetDateTime.now();
                          yield Uni.createFrom().voidItem();
                        }
                      };
                    }));
  }

  /** The agent refused a snapshot command: the snapshot shows why. */
  public Uni<Void> acknowledged(UUID snapshotId, CommandKind kind, boolean accepted, String error) {
    if (accepted) {
      return Uni.createFrom().voidItem();
    }
    return db.transaction(
        s ->
            s.find(SnapshotEntity.class, snapshotId, LockMode.PESSIMISTIC_WRITE)
                .map(
                    snap -> {
                      if (snap != null) {
                        snap.state = SnapshotState.FAILED;
                        snap.statusReason =
                            kind == CommandKind.DELETE_SNAPSHOT
                                ? "could not delete the snapshot: " + error
                                : error;
                        snap.updatedAt = OffsetDateTime.now();
                      }
                      return null;
                    }));
  }

  /**
   * Sends again the commands of snapshots still waiting for their cluster (taken or deleted while
   * its agent was away). Commands are idempotent, so a repeat is harmless.
   */
  public Uni<Void> resume(Collection<UUID> clusterIds) {
    if (clusterIds.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return db.session(s -> repository.unconfirmed(s, clusterIds))
        .flatMap(
            l ->
                Multi.createFrom()
                    .iterable(l)
                    .onItem()
                    .transformToUniAndConcatenate(
                        snap ->
                            commands.request(
                                snap,
                                snap.state == SnapshotState.DELETING
                                    ? CommandKind.DELETE_SNAPSHOT
                                    : CommandKind.SNAPSHOT))
                    .collect()
                    .last()
                    .replaceWithVoid());
  }

  /** The snapshot, locked for a change; someone else's is reported like a missing one. */
  static Uni<SnapshotEntity> lock(Mutiny.Session s, Caller caller, UUID id) {
    return s.find(SnapshotEntity.class, id, LockMode.PESSIMISTIC_WRITE)
        .map(
            snap -> {
              if (snap == null || !caller.mayActOn(snap.ownerId)) {
                throw new NotFoundException("no snapshot with id " + id);
              }
              return snap;
            });
  }

  private record Change(SnapshotEntity snapshot, boolean send) {}
}
