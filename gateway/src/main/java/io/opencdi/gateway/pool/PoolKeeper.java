package io.opencdi.gateway.pool;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.desktop.CreationPipeline;
import io.opencdi.gateway.desktop.DesktopService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Keeps every warm pool at its size (ADR 0035). Each replica refreshes its {@link PoolDirectory}
 * every {@link PoolConfig#interval()}; the replica that holds the keeper's advisory lock then, pool
 * by pool, deletes the members that are of no use (failed, powered off, degraded, beyond the size)
 * and creates what is missing through the placement pipeline, as bulk creations owned by {@link
 * SystemUsers#WARM_POOLS}. The lock is a session lock held on one connection for the whole pass, so
 * two replicas never refill the same shortfall twice; it goes with the connection if the replica
 * dies.
 *
 * <p>A shortfall that placement cannot fill (no room, a refusal) is recorded on the pool as its
 * status reason and tried again, one member at a time, at the next pass. Members of a deleted pool
 * are deleted here too.
 */
@ApplicationScoped
public class PoolKeeper {
  private static final Logger LOG = Logger.getLogger(PoolKeeper.class);

  /** The advisory lock of the replica that keeps the pools. */
  static final String LOCK = "opencdi.pools.keeper";

  /** The name of members' owner, as bulk creations name owners. */
  static final String OWNER_NAME = "opencdi:warm-pools";

  /** Names of members until a user claims one and names it. */
  static final String MEMBER_PREFIX = "warm";

  private static final Caller KEEPER = new Caller(SystemUsers.WARM_POOLS, OWNER_NAME, false);

  private final Pool pool;
  private final PoolDirectory directory;
  private final PoolRepository repository;
  private final CreationPipeline pipeline;
  private final DesktopService desktops;
  private final PoolConfig config;
  private final Vertx vertx;
  private final AtomicBoolean keeping = new AtomicBoolean();
  private volatile boolean again;
  private volatile long timer = -1;

  public PoolKeeper(
      Pool pool,
      PoolDirectory directory,
      PoolRepository repository,
      CreationPipeline pipeline,
      DesktopService desktops,
      PoolConfig config,
      Vertx vertx) {
    this.pool = pool;
    this.directory = directory;
    this.repository = repository;
    this.pipeline = pipeline;
    this.desktops = desktops;
    this.config = config;
    this.vertx = vertx;
  }

  void start(@Observes StartupEvent event) {
    if (!config.interval().isPositive() || config.refillBatch() < 1) {
      throw new IllegalStateException(
          "opencdi.pools.interval must be positive and opencdi.pools.refill-batch at least 1");
    }
    timer = vertx.setPeriodic(config.interval().toMillis(), id -> kick());
  }

  void stop(@Observes ShutdownEvent event) {
    vertx.cancelTimer(timer);
  }

  /** Starts a keeping pass now, or right after the one under way. */
  public void kick() {
    if (!keeping.compareAndSet(false, true)) {
      again = true;
      return;
    }
    again = false;
    keep()
        .subscribe()
        .with(
            v -> done(),
            e -> {
              LOG.warnf("keeping the warm pools failed: %s", e.toString());
              done();
            });
  }

  private void done() {
    keeping.set(false);
    if (again) {
      kick();
    }
  }

  /** Refreshes this replica's pools, then keeps them if this replica holds the lock. */
  Uni<Void> keep() {
    return directory
        .refresh()
        .flatMap(
            pools ->
                pool.withConnection(
                    c ->
                        c.preparedQuery("select pg_try_advisory_lock(hashtext($1))")
                            .execute(Tuple.of(LOCK))
                            .flatMap(
                                rows ->
                                    rows.iterator().next().getBoolean(0)
                                        ? keepAll(pools).onTermination().call(() -> unlock(c))
                                        : Uni.createFrom().voidItem())));
  }

  private static Uni<Void> unlock(SqlConnection c) {
    return c.preparedQuery("select pg_advisory_unlock(hashtext($1))")
        .execute(Tuple.of(LOCK))
        .replaceWithVoid()
        .onFailure()
        .recoverWithNull();
  }

  private Uni<Void> keepAll(List<WarmPool> pools) {
    return repository
        .pressure(config.hold())
        .call(this::release)
        .flatMap(pressure -> keepEach(pools, held(pressure)));
  }

  /** The regions whose pools wait: users were refused room there within the hold. */
  private static Set<String> held(List<PoolRepository.Pressure> pressure) {
    Set<String> regions = new HashSet<>();
    for (PoolRepository.Pressure p : pressure) {
      if (p.holding()) {
        regions.add(p.region());
      }
    }
    return regions;
  }

  /** Deletes enough idle members on each cluster where users want room to give them that room. */
  private Uni<Void> release(List<PoolRepository.Pressure> pressure) {
    return Multi.createFrom()
        .iterable(pressure)
        .onItem()
        .transformToUniAndConcatenate(
            p ->
                repository
                    .idleOn(p.clusterId())
                    .map(idle -> Reclaim.choose(p.cpuMillis(), p.memoryMiB(), idle))
                    .call(this::deleteAll)
                    .call(ids -> repository.relieved(p.clusterId()))
                    .invoke(
                        ids -> {
                          if (!ids.isEmpty()) {
                            LOG.infof(
                                "released %d warm-pool members on cluster %s for users refused"
                                    + " room there",
                                ids.size(), p.clusterId());
                          }
                        }))
        .collect()
        .last()
        .replaceWithVoid();
  }

  private Uni<Void> keepEach(List<WarmPool> pools, Set<String> held) {
    return Multi.createFrom()
        .iterable(pools)
        .onItem()
        .transformToUniAndConcatenate(
            p ->
                keepOne(p, held.contains(p.region()))
                    .onFailure()
                    .invoke(e -> LOG.warnf("could not keep warm pool %s: %s", p.id(), e.toString()))
                    .onFailure()
                    .recoverWithNull())
        .collect()
        .last()
        .flatMap(v -> repository.orphans(config.refillBatch()))
        .flatMap(this::deleteAll);
  }

  private Uni<Void> keepOne(WarmPool p, boolean held) {
    return repository
        .members(p.id())
        .map(members -> PoolPlan.of(p.size(), members))
        .flatMap(plan -> deleteAll(plan.delete()).replaceWith(plan))
        .flatMap(
            plan ->
                held && plan.create() > 0
                    ? repository.reason(
                        p.id(),
                        "waiting to refill "
                            + plan.create()
                            + ": users were refused room in "
                            + p.region()
                            + " lately, the room goes to them first")
                    : refillAfterClaims(p, plan.create()));
  }

  private Uni<Void> deleteAll(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return Multi.createFrom()
        .iterable(ids)
        .onItem()
        .transformToUniAndConcatenate(
            id ->
                desktops
                    .delete(KEEPER, id)
                    .replaceWithVoid()
                    // Claimed by a user meanwhile: theirs now, not the pool's to delete.
                    .onFailure(NotFoundException.class)
                    .recoverWithNull())
        .collect()
        .last()
        .replaceWithVoid();
  }

  /** Refills, unless a user took a member so lately that their first connection is under way. */
  private Uni<Void> refillAfterClaims(WarmPool p, int missing) {
    if (missing <= 0 || !config.refillAfterClaim().isPositive()) {
      return refill(p, missing);
    }
    return repository
        .claimedWithin(p.id(), config.refillAfterClaim())
        .flatMap(lately -> lately ? Uni.createFrom().voidItem() : refill(p, missing));
  }

  /**
   * Creates {@code missing} members, a batch at a time; after a refusal one at a time, so a pool
   * that only part fits grows as far as the room goes.
   */
  private Uni<Void> refill(WarmPool p, int missing) {
    if (missing <= 0) {
      return p.statusReason() == null
          ? Uni.createFrom().voidItem()
          : repository.reason(p.id(), null);
    }
    return create(p, Math.min(missing, config.refillBatch()))
        .onFailure(ApiException.class)
        .recoverWithUni(refused -> missing > 1 ? create(p, 1) : Uni.createFrom().failure(refused))
        .flatMap(v -> repository.reason(p.id(), null))
        .onFailure(ApiException.class)
        .recoverWithUni(
            refused ->
                repository.reason(
                    p.id(),
                    "short of "
                        + missing
                        + " member"
                        + (missing == 1 ? "" : "s")
                        + ": "
                        + refused.getMessage()));
  }

  private Uni<Void> create(WarmPool p, int n) {
    return pipeline
        .createMany(
            p.templateId(),
            Collections.nCopies(n, OWNER_NAME),
            MEMBER_PREFIX,
            p.region(),
            p.zone(),
            null,
            p.id())
        .replaceWithVoid();
  }
}
