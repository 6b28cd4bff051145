package io.opencdi.gateway.cluster.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.cluster.ClusterEventBus;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.gateway.placement.PlacementService;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;
import org.eclipse.microprofile.graphql.Source;

/** Member clusters: everyone signed in sees them (to choose a region), admins cordon them. */
@GraphQLApi
public class ClusterApi {
  private final ClusterQueries queries;
  private final CallerResolver callers;
  private final ClusterEventBus events;
  private final PlacementService placement;
  private final Admission admission;

  public ClusterApi(
      ClusterQueries queries,
      CallerResolver callers,
      ClusterEventBus events,
      PlacementService placement,
      Admission admission) {
    this.queries = queries;
    this.callers = callers;
    this.events = events;
    this.placement = placement;
    this.admission = admission;
  }

  @Query
  @Description("All member clusters.")
  public Uni<@NonNull List<@NonNull Cluster>> clusters() {
    return admission.admitRead(() -> callers.caller().flatMap(c -> queries.all()));
  }

  @Query
  @Description("One member cluster.")
  public Uni<Cluster> cluster(@Id @NonNull String id) {
    UUID uuid = Ids.parse(id, "cluster");
    return callers
        .caller()
        .flatMap(c -> queries.byIds(List.of(uuid)))
        .map(
            m -> {
              Cluster found = m.get(uuid);
              if (found == null) {
                throw new NotFoundException("no cluster with id " + id);
              }
              return found;
            });
  }

  @Mutation
  @Description("Cordons a cluster (no new desktops go there) or lifts the cordon (admin only).")
  public Uni<@NonNull Cluster> cordonCluster(@Id @NonNull String id, boolean cordoned) {
    UUID uuid = Ids.parse(id, "cluster");
    return callers
        .caller()
        .map(c -> c.requireAdmin())
        .flatMap(c -> queries.cordon(uuid, cordoned))
        // This replica's next decision must already see the cordon; others reload on the event.
        .call(view -> placement.refresh(uuid))
        .call(view -> events.publish(uuid, "cordon"));
  }

  @Description("Allocatable and allocated capacity.")
  public Uni<@NonNull List<@NonNull ClusterCapacity>> capacity(@Source List<Cluster> clusters) {
    return SharedLookups.forBatch(
        clusters, Cluster::lookups, "capacity", () -> loadCapacity(clusters));
  }

  private Uni<List<ClusterCapacity>> loadCapacity(List<Cluster> clusters) {
    return queries
        .capacity(clusters.stream().map(Cluster::uuid).toList())
        .map(
            m ->
                clusters.stream()
                    .map(c -> m.getOrDefault(c.uuid(), new ClusterCapacity(0, 0, 0, 0, 0, 0, 0, 0)))
                    .toList());
  }

  @Description("Node groups and their room.")
  public Uni<@NonNull List<@NonNull List<@NonNull NodeGroup>>> nodeGroups(
      @Source List<Cluster> clusters) {
    return SharedLookups.forBatch(
        clusters, Cluster::lookups, "nodeGroups", () -> loadNodeGroups(clusters));
  }

  private Uni<List<List<NodeGroup>>> loadNodeGroups(List<Cluster> clusters) {
    return queries
        .nodeGroups(clusters.stream().map(Cluster::uuid).toList())
        .map(m -> clusters.stream().map(c -> m.getOrDefault(c.uuid(), List.of())).toList());
  }
}
