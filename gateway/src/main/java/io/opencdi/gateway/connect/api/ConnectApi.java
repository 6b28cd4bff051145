package io.opencdi.gateway.connect.api;

import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.connect.ConnectService;
import io.opencdi.gateway.connect.PublicUrl;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;

/** Display connections to desktops. */
@GraphQLApi
public class ConnectApi {
  private final CallerResolver callers;
  private final ConnectService service;
  private final PublicUrl publicUrl;
  private final CurrentVertxRequest request;

  public ConnectApi(
      CallerResolver callers,
      ConnectService service,
      PublicUrl publicUrl,
      CurrentVertxRequest request) {
    this.callers = callers;
    this.service = service;
    this.publicUrl = publicUrl;
    this.request = request;
  }

  @Mutation
  @Description(
      "A single-use ticket to open the display of a RUNNING desktop; valid for at most 60 seconds.")
  public Uni<@NonNull ConnectionTicket> connectDesktop(@Id @NonNull String id) {
    // Read the request now: the Uni below may run where the request is no longer current.
    String base = publicUrl.displayBase(request.getCurrent());
    return callers.session().flatMap(s -> service.connect(s, Ids.parse(id, "desktop"), base));
  }
}
