package io.opencdi.gateway.events;

import io.opencdi.gateway.auth.Session;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends what a session holds open — GraphQL WebSockets and display connections — on every replica
 * the moment the session is signed out. Each operation re-checks its token anyway; this is what
 * closes a subscription or a display that would otherwise run on with no further request.
 */
@ApplicationScoped
public class SessionEnds {
  private final Notifications notifications;
  private final Map<String, Set<Runnable>> open = new ConcurrentHashMap<>();

  public SessionEnds(Notifications notifications) {
    this.notifications = notifications;
    notifications.listen(Channels.SESSION, event -> ended(event.getString("tokenHash")));
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

  /**
   * Tells every replica that {@code session} ended (after it was written to the revocation list).
   */
  public Uni<Void> announce(Session session) {
    return notifications.publish(
        Channels.SESSION, new JsonObject().put("tokenHash", session.tokenHash()));
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
