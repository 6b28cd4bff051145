package io.opencdi.gateway.applayer.api;

import io.opencdi.gateway.applayer.AppLayerRepository;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.ConflictException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;

/**
 * Application layers (ADR 0038): everyone signed in reads the catalogue, admins add to it and take
 * out what no template names.
 */
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

  @Mutation
  @Description(
      "Takes an application layer out of the catalogue (admin only): it can no longer be added to"
          + " a template or a launch. Refused (CONFLICT) while a template names it among its"
          + " default apps. Desktops that have it keep it. Returns true.")
  public Uni<@NonNull Boolean> deleteAppLayer(@NonNull @Id String id) {
    return callers
        .caller()
        .map(Caller::requireAdmin)
        .map(c -> Ids.parse(id, "app layer"))
        .flatMap(layers::delete)
        .map(
            d ->
                switch (d) {
                  case AppLayerRepository.Deletion.Deleted deleted -> true;
                  case AppLayerRepository.Deletion.Unknown unknown ->
                      throw new NotFoundException("no app layer with id " + id);
                  case AppLayerRepository.Deletion.InUse used ->
                      throw new ConflictException(
                          "app layer "
                              + id
                              + " is a default app of template(s) "
                              + String.join(", ", used.templates())
                              + "; remove it from them first");
                });
  }
}
