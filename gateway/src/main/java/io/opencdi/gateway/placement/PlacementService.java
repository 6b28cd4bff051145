package io.opencdi.gateway.placement;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.registry.Profile;
import io.opencdi.placement.scheduler.Scheduler;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * Decides where desktops run and reserves their capacity.
 *
 * <p>Each gateway keeps an in-memory snapshot of cluster capacity and decides against it, taking
 * the chosen room out of the snapshot at once so that the next decision sees it. The database has
 * the final word: {@link #reserve} is one conditional UPDATE that succeeds only while the node
 * group has room, so concurrent requests and several replicas sharing a database never over-commit.
 * When a reservation loses a race, the caller reloads that cluster and decides again.
 */
@ApplicationScoped
public class PlacementService {
  private static final Logger LOG = Logger.getLogger(PlacementService.class);
  private static final String RESERVE =
      "update node_group set used_cpu_millis = used_cpu_millis + ?1,"
          + " used_memory_mib = used_memory_mib + ?2, used_desktops = used_desktops + 1"
          + " where cluster_id = ?3 and name = ?4"
          + " and cpu_millis - external_cpu_millis - used_cpu_millis >= ?1"
          + " and memory_mib - external_memory_mib - used_memory_mib >= ?2"
          + " and max_desktops - used_desktops >= 1";
  private static final String RELEASE =
      "update node_group set used_cpu_millis = greatest(used_cpu_millis - ?1, 0),"
          + " used_memory_mib = greatest(used_memory_mib - ?2, 0),"
          + " used_desktops = greatest(used_desktops - 1, 0)"
          + " where cluster_id = ?3 and name = ?4";

  private final Scheduler scheduler = new Scheduler(Profile.defaults());
  private final SnapshotLoader loader;
  private final PlacementConfig config;
  private final Timer decisionTimer;
  private final MeterRegistry meters;
  private volatile Snapshot snapshot = new Snapshot(List.of(), 0, 0);
  // Guarded by this: room taken by decisions whose transaction has not ended. A reload reads only
  // committed rows, so it would forget this room; it is taken again on top of every reload, or a
  // long transaction (a bulk of hundreds) would be offered the room it already holds.
  private final List<Assumed> pending = new ArrayList<>();
  // Guarded by this: how many single-cluster reloads have been applied.
  private long clusterRefreshes;

  public PlacementService(SnapshotLoader loader, PlacementConfig config, MeterRegistry meters) {
    this.loader = loader;
    this.config = config;
    this.meters = meters;
    this.decisionTimer =
        Timer.builder("opencdi.placement.decision")
            .description("Time of one placement decision in the engine")
            .publishPercentileHistogram()
            .register(meters);
  }

  void onStart(@Observes StartupEvent event) {
    refresh().await().indefinitely();
  }

  /** Reloads every cluster; other replicas' placements and agent reports become visible. */
  @Scheduled(every = "${opencdi.placement.refresh-interval:PT2S}", delayed = "PT2S")
  Uni<Void> periodicRefresh() {
    return refresh()
        .onFailure()
        .invoke(e -> LOG.warnf("capacity refresh failed: %s", e.toString()))
        .onFailure()
        .recoverWithNull();
  }

  /**
   * Reloads the whole snapshot. A full load that overlapped a reload of one cluster is dropped: it
   * may have read that cluster before its change (a cordon, say) and would undo it; the next
   * periodic refresh takes its place.
   */
  public Uni<Void> refresh() {
    return Uni.createFrom()
        .deferred(
            () -> {
              long seen = clusterRefreshes();
              return loader
                  .loadAll()
                  .invoke(
                      clusters -> {
                        synchronized (this) {
                          if (clusterRefreshes == seen) {
                            snapshot = withPending(new Snapshot(clusters, 0, 0), null);
                          }
                        }
                      });
            })
        .replaceWithVoid();
  }

  private synchronized long clusterRefreshes() {
    return clusterRefreshes;
  }

  /** Reloads one cluster after its capacity changed. */
  public Uni<Void> refresh(UUID clusterId) {
    return loader
        .loadOne(clusterId)
        .invoke(
            clusters -> {
              synchronized (this) {
                clusterRefreshes++;
                Snapshot s = snapshot;
                for (ClusterState c : clusters) {
                  s = s.cluster(c.id()).isPresent() ? s.withCluster(c) : withAdded(s, c);
                }
                snapshot = withPending(s, clusterId.toString());
              }
            })
        .replaceWithVoid();
  }

  /** The current snapshot with the present time, for previews and decisions. */
  public Snapshot snapshot() {
    Snapshot s = snapshot;
    return new Snapshot(
        s.clusters(), System.currentTimeMillis(), config.heartbeatTimeout().toMillis());
  }

  /**
   * Decides for one desktop and takes the chosen room out of this gateway's snapshot. The caller
   * must then {@link #reserve} it in the database or {@link #forget} it.
   */
  public Decision decide(DesktopRequest request, Optional<String> pinnedClusterId) {
    long start = System.nanoTime();
    Decision decision;
    synchronized (this) {
      Snapshot now = snapshot();
      if (pinnedClusterId.isPresent()) {
        // A desktop whose home volume exists can only come back where that volume lives.
        now =
            new Snapshot(
                now.cluster(pinnedClusterId.get()).stream().toList(),
                now.nowEpochMillis(),
                now.heartbeatTimeoutMillis());
      }
      decision = scheduler.schedule(now, request);
      if (decision instanceof Decision.Scheduled scheduled) {
        snapshot = snapshot.assume(scheduled.placement(), request.cpuMillis(), request.memoryMiB());
        pending.add(new Assumed(scheduled.placement(), request.cpuMillis(), request.memoryMiB()));
      }
    }
    decisionTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    meters
        .counter(
            "opencdi.placement.decisions",
            "result",
            decision instanceof Decision.Scheduled ? "scheduled" : "unschedulable")
        .increment();
    return decision;
  }

  /** Explains a decision without taking any room. */
  public Decision preview(DesktopRequest request) {
    return scheduler.schedule(snapshot(), request);
  }

  /** Gives back room taken by {@link #decide} that was not reserved after all. */
  public void forget(Placement placement, long cpuMillis, long memoryMiB) {
    synchronized (this) {
      if (pending.remove(new Assumed(placement, cpuMillis, memoryMiB))) {
        snapshot = snapshot.assume(placement, -cpuMillis, -memoryMiB);
      }
    }
  }

  /**
   * The transaction that reserved room taken by {@link #decide} committed: the database holds it
   * now, and reloads see it there.
   */
  public void settled(Placement placement, long cpuMillis, long memoryMiB) {
    synchronized (this) {
      pending.remove(new Assumed(placement, cpuMillis, memoryMiB));
    }
  }

  /** {@code s} with the pending room taken again (of one cluster, or of all when null). */
  private Snapshot withPending(Snapshot s, String clusterId) {
    for (Assumed a : pending) {
      if (clusterId == null || clusterId.equals(a.placement().clusterId())) {
        s = s.assume(a.placement(), a.cpuMillis(), a.memoryMiB());
      }
    }
    return s;
  }

  /** Room a decision took, not yet committed or given back. */
  private record Assumed(Placement placement, long cpuMillis, long memoryMiB) {}

  /**
   * Reserves the room in the database, inside the caller's transaction.
   *
   * @return whether the node group still had room
   */
  public Uni<Boolean> reserve(
      Mutiny.Session session, Placement placement, long cpuMillis, long memoryMiB) {
    return session
        .createNativeQuery(RESERVE)
        .setParameter(1, cpuMillis)
        .setParameter(2, memoryMiB)
        .setParameter(3, UUID.fromString(placement.clusterId()))
        .setParameter(4, placement.nodeGroup())
        .executeUpdate()
        .map(updated -> updated == 1);
  }

  /** Gives capacity back in the database, inside the caller's transaction. */
  public Uni<Void> release(
      Mutiny.Session session, UUID clusterId, String nodeGroup, long cpuMillis, long memoryMiB) {
    return session
        .createNativeQuery(RELEASE)
        .setParameter(1, cpuMillis)
        .setParameter(2, memoryMiB)
        .setParameter(3, clusterId)
        .setParameter(4, nodeGroup)
        .executeUpdate()
        .replaceWithVoid();
  }

  public int maxAttempts() {
    return config.maxAttempts();
  }

  private static Snapshot withAdded(Snapshot s, ClusterState added) {
    var clusters = new java.util.ArrayList<>(s.clusters());
    clusters.add(added);
    return new Snapshot(clusters, s.nowEpochMillis(), s.heartbeatTimeoutMillis());
  }
}
