package io.opencdi.gateway.placement;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.Snapshot;
import io.opencdi.placement.registry.Profile;
import io.opencdi.placement.scheduler.AssumeCache;
import io.opencdi.placement.scheduler.Scheduler;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * Decides where desktops run and reserves their capacity.
 *
 * <p>Each gateway keeps an in-memory snapshot of cluster capacity and decides against it. Room a
 * decision takes is held in the engine's {@link AssumeCache} until its transaction ends: confirmed
 * on commit (the database holds it then, and reloads see it there), released on failure, or dropped
 * at its TTL should neither ever be heard. Every reload takes the held room again, so a batch being
 * written is never offered the room it already holds. The database has the final word: a
 * reservation is a conditional UPDATE that succeeds only while the node group has room, so
 * concurrent batches and several replicas sharing a database never over-commit. When a reservation
 * loses a race, the caller reloads that cluster and decides again.
 */
@ApplicationScoped
public class PlacementService {
  private static final Logger LOG = Logger.getLogger(PlacementService.class);
  private final Scheduler scheduler = new Scheduler(Profile.defaults());
  private final AssumeCache assumed = new AssumeCache();
  private final SnapshotLoader loader;
  private final Reservations reservations;
  private final PlacementConfig config;
  private final Timer decisionTimer;
  private final MeterRegistry meters;
  // Guarded by this: the loaded capacity with the room held in `assumed` taken.
  private Snapshot snapshot = new Snapshot(List.of(), 0, 0);
  // Guarded by this: how many single-cluster reloads have been applied.
  private long clusterRefreshes;

  public PlacementService(
      SnapshotLoader loader,
      Reservations reservations,
      PlacementConfig config,
      MeterRegistry meters) {
    this.loader = loader;
    this.reservations = reservations;
    this.config = config;
    this.meters = meters;
    this.decisionTimer =
        Timer.builder("opencdi.placement.decision")
            .description("Time of one placement decision in the engine")
            .publishPercentileHistogram()
            .register(meters);
    meters.gauge("opencdi.placement.assumed", assumed, AssumeCache::size);
  }

  void onStart(@Observes StartupEvent event) {
    refresh().await().indefinitely();
  }

  /** Reloads every cluster; other replicas' placements and agent reports become visible. */
  @Scheduled(every = "${opencdi.placement.refresh-interval:PT2S}", delayed = "PT2S")
  Uni<Void> periodicRefresh() {
    int expired = assumed.expire(System.currentTimeMillis());
    if (expired > 0) {
      LOG.warnf("%d placement reservations outlived their TTL and were dropped", expired);
    }
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
                            snapshot = assumed.applyTo(new Snapshot(clusters, 0, 0));
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
                // The reloaded cluster alone, with the room held on it taken again.
                Snapshot fresh = assumed.applyTo(new Snapshot(clusters, 0, 0));
                Snapshot s = snapshot;
                for (ClusterState c : fresh.clusters()) {
                  s = s.cluster(c.id()).isPresent() ? s.withCluster(c) : withAdded(s, c);
                }
                snapshot = s;
              }
            })
        .replaceWithVoid();
  }

  /** The current snapshot with the present time, for previews and decisions. */
  public Snapshot snapshot() {
    Snapshot s;
    synchronized (this) {
      s = snapshot;
    }
    return new Snapshot(
        s.clusters(), System.currentTimeMillis(), config.heartbeatTimeout().toMillis());
  }

  /**
   * Decides for one desktop and holds the chosen room under {@code reservationId}. The caller must
   * then {@link #confirm} it once the database holds it, or {@link #release} it.
   */
  public Decision decide(
      String reservationId, DesktopRequest request, Optional<String> pinnedClusterId) {
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
        hold(reservationId, scheduled.placement(), request);
      }
    }
    record(decision, System.nanoTime() - start);
    return decision;
  }

  /**
   * Decides for many desktops in one pass of the engine ({@link Scheduler#scheduleBulk}): each sees
   * the room the ones before it took, and each owner's quota is counted down across them. The room
   * of every scheduled one is held under its reservation id, as by {@link #decide}.
   */
  public List<Decision> decideBulk(List<String> reservationIds, List<DesktopRequest> requests) {
    long start = System.nanoTime();
    List<Decision> decisions;
    synchronized (this) {
      decisions = scheduler.scheduleBulk(snapshot(), requests);
      for (int i = 0; i < decisions.size(); i++) {
        if (decisions.get(i) instanceof Decision.Scheduled scheduled) {
          hold(reservationIds.get(i), scheduled.placement(), requests.get(i));
        }
      }
    }
    long each = (System.nanoTime() - start) / Math.max(1, requests.size());
    decisions.forEach(d -> record(d, each));
    return decisions;
  }

  // Guarded by this.
  private void hold(String reservationId, Placement placement, DesktopRequest request) {
    assumed.assume(
        reservationId,
        placement,
        request.cpuMillis(),
        request.memoryMiB(),
        System.currentTimeMillis() + config.reservationTtl().toMillis());
    snapshot = snapshot.assume(placement, request.cpuMillis(), request.memoryMiB());
  }

  private void record(Decision decision, long nanos) {
    decisionTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    meters
        .counter(
            "opencdi.placement.decisions",
            "result",
            decision instanceof Decision.Scheduled ? "scheduled" : "unschedulable")
        .increment();
  }

  /** Explains a decision without taking any room. */
  public Decision preview(DesktopRequest request) {
    return scheduler.schedule(snapshot(), request);
  }

  /** Gives back room held by a decision that was not reserved after all. */
  public void release(String reservationId, Placement placement, long cpuMillis, long memoryMiB) {
    synchronized (this) {
      if (assumed.release(reservationId) && snapshot.cluster(placement.clusterId()).isPresent()) {
        try {
          snapshot = snapshot.assume(placement, -cpuMillis, -memoryMiB);
        } catch (IllegalArgumentException goneSinceReload) {
          // The node group left the fleet: nothing to give back.
        }
      }
    }
  }

  /**
   * The transaction that reserved room held by a decision committed: the database holds it now, and
   * reloads see it there.
   */
  public void confirm(String reservationId) {
    synchronized (this) {
      assumed.confirm(reservationId);
    }
  }

  /** Room held by decisions whose transaction has not ended. */
  public int held() {
    return assumed.size();
  }

  /**
   * Reserves the room in the database, inside the caller's transaction.
   *
   * @return whether the node group still had room
   */
  public Uni<Boolean> reserve(
      Mutiny.Session session, Placement placement, long cpuMillis, long memoryMiB) {
    return reservations.reserve(session, placement, cpuMillis, memoryMiB);
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
