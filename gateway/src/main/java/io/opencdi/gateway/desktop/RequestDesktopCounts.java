package io.opencdi.gateway.desktop;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.RequestScoped;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users' desktop counts as one GraphQL operation reads them. {@code User.ownedDesktops} and {@code
 * User.runningDesktops} are batch fields of their own, resolved side by side for the same users;
 * asked together (as the console's Users page does) they share one grouped query ({@link
 * DesktopQueries#countsByOwner}) instead of running one each. Only a lookup still under way is
 * shared: an operation that lives on (a subscription renders every event in the same request
 * context) reads the counts afresh for each event.
 */
@RequestScoped
public class RequestDesktopCounts {
  private final DesktopQueries queries;
  private final Map<Set<UUID>, Uni<Map<UUID, DesktopQueries.OwnerCounts>>> underWay =
      new ConcurrentHashMap<>();

  public RequestDesktopCounts(DesktopQueries queries) {
    this.queries = queries;
  }

  /** The counts of {@code owners}, by user: every user asked about has an entry. */
  public Uni<Map<UUID, DesktopQueries.OwnerCounts>> of(Collection<UUID> owners) {
    return underWay.computeIfAbsent(
        Set.copyOf(owners),
        key ->
            queries
                .countsByOwner(key)
                .onTermination()
                .invoke(() -> underWay.remove(key))
                .memoize()
                .indefinitely());
  }
}
