package io.opencdi.gateway.agent.api;

import io.opencdi.gateway.agent.AgentRevocation;
import io.opencdi.gateway.auth.CallerResolver;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;

/** Admins revoke agents. */
@GraphQLApi
public class AgentApi {
  private final CallerResolver callers;
  private final AgentRevocation revocation;

  public AgentApi(CallerResolver callers, AgentRevocation revocation) {
    this.callers = callers;
    this.revocation = revocation;
  }

  @Mutation
  @Description(
      "Revokes an agent (admin only): its token stops working at once, on every gateway replica and"
          + " after restarts, and its links are closed. Its clusters stay, not ready.")
  public Uni<@NonNull Boolean> revokeAgent(@NonNull String name) {
    return callers.caller().map(c -> c.requireAdmin()).flatMap(c -> revocation.revoke(name));
  }
}
