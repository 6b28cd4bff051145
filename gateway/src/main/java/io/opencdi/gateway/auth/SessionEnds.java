package io.opencdi.gateway.auth;

import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends what a session holds open — GraphQL WebSockets and display connections — on every replica
 * the moment the session is signed out. Each operation re-checks its token anyway; this is what
 * closes a subscription or a display that would otherwise run on with no further request.
 *
 * <p>The announcements come from the database's triggers (migration V13): a token written to the
 * revocation list, and a user whose role or name changed or who was deleted. Both also make this
 * replica's {@link SessionLookups} forget what they kept, so the next request reads the inventory.
 */
// Started with the application: its listeners must be in place before the first request.
@Startup
@ApplicationScoped
public class SessionEnds {
  private final Map<String, Set<Runnable>> open = new ConcurrentHashMap<>();

  public SessionEnds(Notifications notifications, Sessions sessions) {
    SessionLookups lookups = sessions.lookups();
    notifications.listen(
        Channels.SESSION,
        event -> {
          String tokenHash = event.getString("tokenHash");
          if (tokenHash != null) {
            lookups.tokenRevoked(tokenHash);
            ended(tokenHash);
          }
          String userId = event.getString("userId");
          if (userId != null) {
            try {
              lookups.userChanged(UUID.fromString(userId));
            } catch (IllegalArgumentException malformed) {
              lookups.forgetAll();
            }
          }
        });
    notifications.whenListening(Channels.SESSION, lookups::forgetAll);
  }

  /**
   * Runs {@code onEnd} when the session of {@code tokenHash} is signed out on any replica. The
   * returned handle forgets it (call it when the connection closes on its own).
   */
  public Runnable whenEnded(String tokenHash, Runnable onEnd) {
    open.computeIfAbsent(tokenHash, h -> ConcurrentHashMap.newKeySet()).add(onEnd);
    return () ->
        open.computeIfPresent(
            tokenHash,
            (h, actions) -> {
              actions.remove(onEnd);
              return actions.isEmpty() ? null : actions;
            });
  }

  /** How many sessions hold something open on this replica (for tests and metrics). */
  public int openSessions() {
    return open.size();
  }

  private void ended(String tokenHash) {
    Set<Runnable> actions = tokenHash == null ? null : open.remove(tokenHash);
    if (actions != null) {
      actions.forEach(Runnable::run);
    }
  }
}
