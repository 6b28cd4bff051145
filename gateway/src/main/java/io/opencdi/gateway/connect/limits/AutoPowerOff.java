package io.opencdi.gateway.connect.limits;

import io.opencdi.gateway.desktop.DesktopService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Powers off desktops whose template has {@code autoPowerOffMinutes} once no viewer was connected
 * to them, on any replica, for that long (docs/adr/0034-session-limits.md). Every replica runs the
 * check every {@code opencdi.limits.check-interval}: it first records its own viewers as present
 * ({@link ViewerPresence}), then, if it wins the check's advisory lock, reads the desktops due and
 * powers them off through the same path as {@code stopDesktop}, which keeps the home volume.
 *
 * <p>A Vert.x periodic timer rather than Quarkus' scheduler, which runs nothing more often than
 * once a second: the test profile checks five times a second. A check still under way when the next
 * is due makes that one skip.
 */
@ApplicationScoped
public class AutoPowerOff {
  private static final Logger LOG = Logger.getLogger(AutoPowerOff.class);

  /** The advisory lock one replica holds while it chooses the desktops to power off. */
  static final String LOCK = "opencdi.limits.auto-power-off";

  /**
   * RUNNING desktops whose template powers them off, with no viewer since their last change and
   * since their last viewer, for longer than the template says. {@code greatest} skips a missing
   * viewer row: a desktop never watched counts from its last change (becoming RUNNING).
   */
  private static final String DUE =
      "select d.id, greatest(v.seen_at, d.updated_at) as last_seen, t.auto_power_off_minutes"
          + " from desktop d join template t on t.id = d.template_id"
          + " left join desktop_viewer_seen v on v.desktop_id = d.id"
          + " where d.state = 'RUNNING' and d.power = 'ON' and not d.delete_requested"
          // Warm-pool members wait for their user without a viewer by design (ADR 0035).
          + " and d.pool_id is null"
          + " and t.auto_power_off_minutes is not null"
          + " and greatest(v.seen_at, d.updated_at)"
          + " < now() - make_interval(secs => t.auto_power_off_minutes * $1)"
          + " order by 2 limit $2";

  private final Pool pool;
  private final ViewerPresence presence;
  private final DesktopService desktops;
  private final LimitsConfig config;
  private final Vertx vertx;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile long timer = -1;

  public AutoPowerOff(
      Pool pool,
      ViewerPresence presence,
      DesktopService desktops,
      LimitsConfig config,
      Vertx vertx) {
    this.vertx = vertx;
    this.pool = pool;
    this.presence = presence;
    this.desktops = desktops;
    this.config = config;
  }

  void start(@Observes StartupEvent event) {
    if (config.checkInterval().isNegative()
        || config.checkInterval().isZero()
        || config.checkInterval().multipliedBy(2).compareTo(config.minute()) >= 0) {
      throw new IllegalStateException(
          "opencdi.limits.check-interval must be more than 0 and under half of"
              + " opencdi.limits.minute, is "
              + config.checkInterval());
    }
    timer = vertx.setPeriodic(config.checkInterval().toMillis(), id -> tick());
  }

  void stop(@Observes ShutdownEvent event) {
    vertx.cancelTimer(timer);
  }

  private void tick() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    check().subscribe().with(v -> checking.set(false), e -> checking.set(false));
  }

  /** A desktop the check found due: when it was last seen, and its template's limit. */
  record Due(UUID desktopId, OffsetDateTime lastSeen, int minutes) {}

  /** Records this replica's viewers, then powers off what is due if this replica holds the lock. */
  Uni<Void> check() {
    return presence
        .heartbeat()
        .onFailure()
        .invoke(e -> LOG.warnf("could not record this replica's viewers: %s", e.toString()))
        .onFailure()
        .recoverWithNull()
        .flatMap(v -> due())
        .flatMap(this::powerOff)
        .onFailure()
        .invoke(e -> LOG.warnf("auto power-off check failed: %s", e.toString()))
        .onFailure()
        .recoverWithNull()
        .replaceWithVoid();
  }

  /** The desktops due, read by the one replica that holds the lock; empty on the others. */
  Uni<List<Due>> due() {
    double secondsPerMinute = config.minute().toNanos() / 1e9;
    return pool.withTransaction(
        c ->
            c.preparedQuery("select pg_try_advisory_xact_lock(hashtext($1)) as locked")
                .execute(Tuple.of(LOCK))
                .flatMap(
                    rows -> {
                      if (!rows.iterator().next().getBoolean("locked")) {
                        return Uni.createFrom().item(List.<Due>of());
                      }
                      return c.preparedQuery(DUE)
                          .execute(Tuple.of(secondsPerMinute, config.powerOffBatch()))
                          .map(
                              due -> {
                                List<Due> out = new ArrayList<>();
                                for (Row r : due) {
                                  out.add(
                                      new Due(
                                          r.getUUID("id"),
                                          r.getOffsetDateTime("last_seen"),
                                          r.getInteger("auto_power_off_minutes")));
                                }
                                return out;
                              });
                    }));
  }

  private Uni<Void> powerOff(List<Due> due) {
    if (due.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    // A viewer on this replica is there whatever the rows said a moment ago.
    Set<UUID> watched = presence.watchedHere();
    return Multi.createFrom()
        .iterable(due)
        .filter(d -> !watched.contains(d.desktopId()))
        .onItem()
        .transformToUniAndConcatenate(
            d ->
                desktops
                    .powerOffUnattended(
                        d.desktopId(),
                        d.lastSeen(),
                        "powered off after "
                            + d.minutes()
                            + (d.minutes() == 1 ? " minute" : " minutes")
                            + " without a viewer")
                    .invoke(
                        off -> {
                          if (off != null) {
                            LOG.infof(
                                "powered off desktop %s: no viewer for %d minutes",
                                d.desktopId(), d.minutes());
                          }
                        })
                    .onFailure()
                    .invoke(
                        e ->
                            LOG.warnf(
                                "could not power off desktop %s: %s", d.desktopId(), e.toString()))
                    .onFailure()
                    .recoverWithNull())
        .collect()
        .asList()
        .replaceWithVoid();
  }
}
