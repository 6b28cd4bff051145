package io.opencdi.gateway.cluster;

import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.gateway.placement.PlacementService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Announces cluster changes to every replica: placement reloads the cluster, and subscribers of
 * {@code clusterEvents} hear of it.
 */
@ApplicationScoped
public class ClusterEventBus {
  private final Notifications notifications;
  private final PlacementService placement;
  private final BroadcastProcessor<Change> local = BroadcastProcessor.create();

  public ClusterEventBus(Notifications notifications, PlacementService placement) {
    this.notifications = notifications;
    this.placement = placement;
  }

  @PostConstruct
  void listen() {
    notifications.listen(
        Channels.CLUSTER,
        json -> {
          UUID id = UUID.fromString(json.getString("clusterId"));
          Change change =
              new Change(
                  id,
                  json.getString("reason"),
                  OffsetDateTime.parse(json.getString("at")),
                  new SharedLookups());
          placement
              .refresh(id)
              .subscribe()
              .with(v -> local.onNext(change), e -> local.onNext(change));
        });
  }

  public Uni<Void> publish(UUID clusterId, String reason) {
    return notifications.publish(
        Channels.CLUSTER,
        new JsonObject()
            .put("clusterId", clusterId.toString())
            .put("reason", reason)
            .put("at", OffsetDateTime.now().toString()));
  }

  /** Every change heard by this replica from now on, buffered per subscriber as for desktops. */
  public Multi<Change> stream() {
    return local.onOverflow().buffer(Notifications.SUBSCRIBER_BUFFER);
  }

  /**
   * A cluster changed for {@code reason}; its subscribers share one read of the cluster as it
   * became.
   */
  public record Change(UUID clusterId, String reason, OffsetDateTime at, SharedLookups lookups) {}
}
