package io.opencdi.gateway.auth;

import io.opencdi.gateway.common.UnauthenticatedException;
import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The {@link Caller} of the current GraphQL operation. Its token was verified before the operation
 * reached GraphQL — by {@code GraphQLHttpFilter} for HTTP requests, by the GraphQL WebSocket for
 * each operation on a socket — with the role read from the inventory and the revocation list
 * checked ({@link Sessions}); an operation without a session gets {@code UNAUTHENTICATED}.
 */
@ApplicationScoped
public class CallerResolver {
  /** Where the HTTP filter keeps the request's session in its routing context. */
  public static final String SESSION_KEY = "opencdi.session";

  private final CurrentVertxRequest request;
  private final RequestSession requestSession;

  public CallerResolver(CurrentVertxRequest request, RequestSession requestSession) {
    this.request = request;
    this.requestSession = requestSession;
  }

  /** The caller, or a failed Uni with {@link UnauthenticatedException}. */
  public Uni<Caller> caller() {
    return session().map(Session::caller);
  }

  /** The session, or a failed Uni with {@link UnauthenticatedException}. */
  public Uni<Session> session() {
    Session session = current();
    return session != null
        ? Uni.createFrom().item(session)
        : Uni.createFrom()
            .failure(
                new UnauthenticatedException("sign in first: send Authorization: Bearer <token>"));
  }

  /** The session of the current operation, or null when it carries none. */
  public Session current() {
    if (!Arc.container().requestContext().isActive()) {
      return null;
    }
    Session session = requestSession.get();
    if (session != null) {
      return session;
    }
    RoutingContext context = request.getCurrent();
    return context == null ? null : context.get(SESSION_KEY);
  }
}
