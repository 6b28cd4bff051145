package io.opencdi.gateway.applayer.api;

import io.opencdi.gateway.applayer.AppLayerRepository;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;

/** Application layers (ADR 0036): everyone signed in reads the catalogue, admins add to it. */
@GraphQLApi
public class AppLayerApi {
  private final CallerResolver callers;
  private final AppLayerRepository layers;

  public AppLayerApi(CallerResolver callers, AppLayerRepository layers) {
    this.callers = callers;
    this.layers = layers;
  }

  @Query
  @Description("Application layers a desktop can be launched with, by name.")
  public Uni<@NonNull List<@NonNull AppLayer>> appLayers() {
    return callers
        .caller()
        .flatMap(c -> layers.all())
        .map(all -> all.stream().map(s -> AppLayer.from(s.layer(), s.createdAt())).toList());
  }

  @Mutation
  @Description(
      "Adds an application layer (admin only). Layers never change: a new version of a program is"
          + " a new layer.")
  public Uni<@NonNull AppLayer> createAppLayer(@NonNull AppLayerInput input) {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .invoke(c -> LayerStack.validate(input.name(), input.version(), input.image()))
        .flatMap(c -> layers.insert(input.name(), input.version(), input.image()))
        .map(s -> AppLayer.from(s.layer(), s.createdAt()));
  }
}
