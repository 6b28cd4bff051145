package io.opencdi.gateway.cluster.api;

import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.cluster.ClusterRegistry;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;

/** Admins register the clusters that may join; no agent adds one on its own. */
@GraphQLApi
public class ClusterRegistrationApi {
  private final CallerResolver callers;
  private final ClusterRegistry registry;

  public ClusterRegistrationApi(CallerResolver callers, ClusterRegistry registry) {
    this.callers = callers;
    this.registry = registry;
  }

  @Mutation
  @Description(
      "Registers a cluster that may join and returns its one-time join token (admin only)."
          + " Registering again a name that has not joined replaces its token. The name of a"
          + " cluster Karmada reports gets the token of its tunnel-only agent, which serves its"
          + " displays, files, sound, live state and snapshots.")
  public Uni<@NonNull ClusterRegistration> registerCluster(@NonNull String name) {
    return callers
        .caller()
        .map(c -> c.requireAdmin())
        .flatMap(c -> registry.register(name, c.userId()))
        .map(r -> new ClusterRegistration(r.name(), r.joinToken()));
  }
}
