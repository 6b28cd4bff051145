package io.opencdi.gateway.events;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.cluster.ClusterEventBus;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.cluster.api.ClusterEvent;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.desktop.DesktopEventBus;
import io.opencdi.gateway.desktop.DesktopQueries;
import io.opencdi.gateway.desktop.api.DesktopEvent;
import io.smallrye.graphql.api.Subscription;
import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;

/** Live updates over graphql-transport-ws. */
@GraphQLApi
public class Subscriptions {
  private final CallerResolver callers;
  private final DesktopEventBus desktops;
  private final DesktopQueries desktopQueries;
  private final ClusterEventBus clusters;
  private final ClusterQueries clusterQueries;

  public Subscriptions(
      CallerResolver callers,
      DesktopEventBus desktops,
      DesktopQueries desktopQueries,
      ClusterEventBus clusters,
      ClusterQueries clusterQueries) {
    this.callers = callers;
    this.desktops = desktops;
    this.desktopQueries = desktopQueries;
    this.clusters = clusters;
    this.clusterQueries = clusterQueries;
  }

  // Event types stay nullable: a refused subscription (unauthenticated, another user's desktop)
  // is delivered as one `next` with `data: null` and the error's extensions.code, then
  // `complete`. With a non-null type graphql-java fails the stream instead, and SmallRye GraphQL
  // then drops the error without telling the client.
  @Subscription
  @Description(
      "Changes of one desktop, or of all the caller's desktops (all desktops for an admin) when"
          + " no id is given. A refusal arrives as one event with `data: null` and an error, then"
          + " the subscription completes.")
  public Multi<DesktopEvent> desktopEvents(@Id String desktopId) {
    UUID only = desktopId == null ? null : Ids.parse(desktopId, "desktop");
    return callers
        .caller()
        .call(
            c ->
                only == null
                    ? io.smallrye.mutiny.Uni.createFrom().voidItem()
                    : desktopQueries.one(c, desktopId).replaceWithVoid())
        .onItem()
        .transformToMulti(c -> desktops.stream().filter(e -> visible(c, only, e)));
  }

  @Subscription
  @Description("Changes of clusters' capacity, health and cordon state.")
  public Multi<ClusterEvent> clusterEvents() {
    return callers
        .caller()
        .onItem()
        .transformToMulti(c -> clusters.stream())
        .onItem()
        // A cluster removed meanwhile maps to null, which the concatenation skips.
        .transformToUniAndConcatenate(
            change ->
                change
                    .lookups()
                    .once(
                        "cluster",
                        () ->
                            clusterQueries
                                .byIds(List.of(change.clusterId()))
                                .map(m -> m.get(change.clusterId()))
                                .map(cluster -> cluster == null ? null : cluster.forEvent()))
                    .map(
                        cluster ->
                            cluster == null
                                ? null
                                : new ClusterEvent(cluster, change.reason(), change.at())));
  }

  private static boolean visible(Caller c, UUID only, DesktopEvent e) {
    if (only != null && !only.toString().equals(e.desktop().id())) {
      return false;
    }
    return c.mayActOn(e.desktop().ownerId());
  }
}
