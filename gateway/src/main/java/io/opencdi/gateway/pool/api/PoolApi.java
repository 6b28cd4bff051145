package io.opencdi.gateway.pool.api;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.pool.PoolService;
import io.opencdi.gateway.template.api.Template;
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

/** Warm pools (ADR 0035): admins only. */
@GraphQLApi
public class PoolApi {
  private final CallerResolver callers;
  private final PoolService service;

  public PoolApi(CallerResolver callers, PoolService service) {
    this.callers = callers;
    this.service = service;
  }

  @Query
  @Description("Warm pools with their ready and starting members (admin only).")
  public Uni<@NonNull List<@NonNull Pool>> pools() {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .flatMap(c -> service.all())
        .map(all -> all.stream().map(p -> Pool.from(p.pool(), p.counts())).toList());
  }

  @Mutation
  @Description(
      "Creates a warm pool (admin only): its members are placed and started at once and count"
          + " against capacity, never against a user's quota.")
  public Uni<@NonNull Pool> createPool(@NonNull CreatePoolInput input) {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .flatMap(
            c ->
                service.create(
                    Ids.parse(input.templateId(), "template"),
                    input.region(),
                    input.zone(),
                    input.size()))
        .flatMap(service::withCounts)
        .map(p -> Pool.from(p.pool(), p.counts()));
  }

  @Mutation
  @Description(
      "Changes how many members a warm pool keeps (admin only); members beyond the new size are"
          + " deleted, unless a user claimed them first.")
  public Uni<@NonNull Pool> updatePool(@Id @NonNull String id, int size) {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .flatMap(c -> service.resize(Ids.parse(id, "pool"), size))
        .flatMap(service::withCounts)
        .map(p -> Pool.from(p.pool(), p.counts()));
  }

  @Mutation
  @Description(
      "Removes a warm pool (admin only): its unclaimed members are deleted; desktops users got"
          + " from it stay theirs.")
  public Uni<@NonNull Boolean> deletePool(@Id @NonNull String id) {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .flatMap(c -> service.delete(Ids.parse(id, "pool")));
  }

  @Description("The template whose desktops the pool keeps.")
  public Uni<@NonNull List<@NonNull Template>> template(@Source List<Pool> pools) {
    List<UUID> ids = pools.stream().map(Pool::templateId).distinct().toList();
    return service
        .templates(ids)
        .map(byId -> pools.stream().map(p -> byId.get(p.templateId())).toList());
  }
}
