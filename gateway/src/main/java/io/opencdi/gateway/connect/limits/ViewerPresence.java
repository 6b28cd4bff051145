package io.opencdi.gateway.connect.limits;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Which desktops have a viewer on this replica, and the record of it in the database that every
 * replica's power-off check reads ({@code desktop_viewer_seen}): written when a viewer joins, when
 * it leaves, and on every check while it stays ({@link AutoPowerOff}). A replica that dies stops
 * writing, so its viewers count as gone from their last write on.
 */
@ApplicationScoped
public class ViewerPresence {
  private static final Logger LOG = Logger.getLogger(ViewerPresence.class);

  // Deleted desktops are skipped rather than failing the statement on the foreign key.
  private static final String SEEN =
      "insert into desktop_viewer_seen (desktop_id, seen_at)"
          + " select id, now() from desktop where id = any($1)"
          + " on conflict (desktop_id) do update set seen_at = excluded.seen_at";

  private final Map<UUID, Integer> viewers = new ConcurrentHashMap<>();
  private final Pool pool;

  public ViewerPresence(Pool pool) {
    this.pool = pool;
  }

  /** A viewer of {@code desktopId} connected through this replica. */
  public void joined(UUID desktopId) {
    viewers.merge(desktopId, 1, Integer::sum);
    seenInBackground(desktopId);
  }

  /** A viewer of {@code desktopId} on this replica disconnected. */
  public void left(UUID desktopId) {
    viewers.computeIfPresent(desktopId, (id, n) -> n <= 1 ? null : n - 1);
    seenInBackground(desktopId);
  }

  /** The desktops that have a viewer on this replica now. */
  public Set<UUID> watchedHere() {
    return Set.copyOf(viewers.keySet());
  }

  /** Records that the desktops watched on this replica have a viewer now. */
  Uni<Void> heartbeat() {
    return seen(viewers.keySet());
  }

  private void seenInBackground(UUID desktopId) {
    seen(List.of(desktopId))
        .subscribe()
        .with(
            v -> {},
            e -> LOG.warnf("could not record a viewer of desktop %s: %s", desktopId, e.toString()));
  }

  private Uni<Void> seen(Collection<UUID> desktopIds) {
    if (desktopIds.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return pool.preparedQuery(SEEN)
        .execute(Tuple.of(desktopIds.toArray(UUID[]::new)))
        .replaceWithVoid();
  }
}
