package io.opencdi.gateway.graphql;

import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.auth.Sessions;
import io.opencdi.gateway.common.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Stands before SmallRye GraphQL's HTTP handler: verifies the bearer token ({@link Sessions}) and
 * runs the {@link RequestGuard} on the request's document. A token that does not verify is answered
 * with HTTP 401 and a GraphQL body ({@code UNAUTHENTICATED}), so both browsers watching the status
 * and clients reading {@code errors} understand it; a refused document is answered with HTTP 200
 * and its error, like any other GraphQL error. Nothing behind this filter runs for either.
 */
@ApplicationScoped
public class GraphQLHttpFilter {
  private static final Logger LOG = Logger.getLogger(GraphQLHttpFilter.class);
  // Before SmallRye GraphQL's route on the same path (Quarkus registers it with order 0 upwards).
  static final int ORDER = -50;

  private final Sessions sessions;
  private final RequestGuard guard;
  private final GraphQLLimits limits;
  private final String path;

  public GraphQLHttpFilter(
      Sessions sessions,
      RequestGuard guard,
      GraphQLLimits limits,
      @ConfigProperty(name = "quarkus.smallrye-graphql.root-path") String path) {
    this.sessions = sessions;
    this.guard = guard;
    this.limits = limits;
    this.path = path;
  }

  void register(@Observes Router router) {
    router
        .route(path)
        .order(ORDER)
        .handler(BodyHandler.create(false).setBodyLimit(limits.maxRequestBytes()));
    router.route(path).order(ORDER + 1).handler(this::filter);
  }

  private void filter(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (GraphQLWebSocket.isUpgrade(ctx)
        || (method != HttpMethod.GET && method != HttpMethod.POST)) {
      ctx.next(); // SmallRye GraphQL runs nothing for other methods
      return;
    }
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    Uni<Session> session;
    if (authorization == null) {
      session = Uni.createFrom().nullItem();
    } else if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      session = sessions.verify(authorization.substring(7).trim());
    } else {
      respond(ctx, 401, "UNAUTHENTICATED", "send the token as Authorization: Bearer <token>");
      return;
    }
    session
        .subscribe()
        .with(
            s -> {
              if (s != null) {
                ctx.put(CallerResolver.SESSION_KEY, s);
                // Verified here, with revocation and the stored role: Quarkus's own (lazy) JWT
                // check must not run again and answer a bare 401 of its own.
                ctx.request().headers().remove(HttpHeaders.AUTHORIZATION);
              }
              RequestGuard.Refusal refusal = check(ctx, s != null);
              if (refusal != null) {
                respond(ctx, 200, refusal.code(), refusal.message());
              } else {
                ctx.next();
              }
            },
            failure -> {
              if (failure instanceof ApiException) {
                respond(ctx, 401, "UNAUTHENTICATED", failure.getMessage());
              } else {
                LOG.warn("could not verify a bearer token", failure);
                respond(ctx, 500, "INTERNAL", RequestErrorCodes.HIDDEN_MESSAGE);
              }
            });
  }

  /** The guard's verdict on the request's document(s), null to let it run. */
  private RequestGuard.Refusal check(RoutingContext ctx, boolean signedIn) {
    if (ctx.request().method() == HttpMethod.GET) {
      return guard.check(
          ctx.request().getParam("query"), ctx.request().getParam("operationName"), signedIn);
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String body = ctx.body().asString();
    if (body == null) {
      return guard.check(null, null, signedIn);
    }
    if (type != null && type.startsWith("application/graphql")) {
      return guard.check(body, null, signedIn);
    }
    Object json;
    try {
      json = ctx.body().asJsonObject();
    } catch (RuntimeException notAnObject) {
      try {
        json = ctx.body().asJsonArray();
      } catch (RuntimeException notJson) {
        // SmallRye GraphQL answers a body it cannot read, without running anything.
        return signedIn ? null : guard.check(null, null, false);
      }
    }
    if (json instanceof JsonArray batch) {
      for (Object item : batch) {
        RequestGuard.Refusal refusal =
            item instanceof JsonObject request
                ? check(request, signedIn)
                : guard.check(null, null, signedIn);
        if (refusal != null) {
          return refusal;
        }
      }
      return null;
    }
    return check((JsonObject) json, signedIn);
  }

  private RequestGuard.Refusal check(JsonObject request, boolean signedIn) {
    Object query = request == null ? null : request.getValue("query");
    Object operation = request == null ? null : request.getValue("operationName");
    return guard.check(
        query instanceof String q ? q : null, operation instanceof String o ? o : null, signedIn);
  }

  private static void respond(RoutingContext ctx, int status, String code, String message) {
    var response = ctx.response().setStatusCode(status);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    response.end(errorBody(code, message).encode());
  }

  /** A GraphQL response carrying one error with {@code extensions.code}. */
  static JsonObject errorBody(String code, String message) {
    return new JsonObject()
        .put(
            "errors",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("message", message)
                        .put("extensions", new JsonObject().put("code", code))))
        .putNull("data");
  }
}
