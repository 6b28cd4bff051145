package io.opencdi.gateway.graphql;

import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.Session;
import io.opencdi.gateway.auth.Sessions;
import io.opencdi.gateway.common.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Stands before SmallRye GraphQL's HTTP handler. First it refuses what is not a GraphQL-over-HTTP
 * request at all — a GET (the gateway takes POST only), a body that is not JSON or lacks a string
 * {@code query}, a content type other than {@code application/json} (which also keeps cross-site
 * "simple" form posts out) — with 4xx, before any token is looked up. Then it verifies the bearer
 * token ({@link Sessions}) and runs the {@link RequestGuard} on the request's document. A token
 * that does not verify is answered with HTTP 401 and a GraphQL body ({@code UNAUTHENTICATED}); a
 * refused document with its error and the status its {@link ResponseMedia} calls for (200 for
 * {@code application/json}, 400 or 401 for {@code application/graphql-response+json}). Nothing
 * behind this filter runs for any of them.
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

  /** One GraphQL request of a POST body (a batch holds several). */
  private record Operation(String query, String operationName) {}

  /** Why a request is not a GraphQL-over-HTTP request, with its HTTP status. */
  private static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private void filter(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (GraphQLWebSocket.isUpgrade(ctx)
        || (method != HttpMethod.GET && method != HttpMethod.POST)) {
      ctx.next(); // SmallRye GraphQL runs nothing for other methods (CORS preflight)
      return;
    }
    ResponseMedia media = ResponseMedia.negotiate(ctx);
    List<Operation> operations;
    try {
      if (method == HttpMethod.GET) {
        ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
        throw new BadRequest(405, "send GraphQL requests with POST");
      }
      operations = operations(ctx);
    } catch (BadRequest e) {
      respond(ctx, media, e.status, RequestErrorCodes.VALIDATION, e.getMessage());
      return;
    }
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    Uni<Session> session;
    if (authorization == null) {
      session = Uni.createFrom().nullItem();
    } else if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      session = sessions.verify(authorization.substring(7).trim());
    } else {
      respond(
          ctx, media, 401, "UNAUTHENTICATED", "send the token as Authorization: Bearer <token>");
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
              RequestGuard.Refusal refusal =
                  check(operations, s != null, media == ResponseMedia.GRAPHQL_RESPONSE_JSON);
              if (refusal != null) {
                respond(
                    ctx, media, media.status(refusal.code()), refusal.code(), refusal.message());
              } else {
                media.prepare(ctx);
                ctx.next();
              }
            },
            failure -> {
              if (failure instanceof ApiException) {
                respond(ctx, media, 401, "UNAUTHENTICATED", failure.getMessage());
              } else {
                // The session could not be read (a busy database, most often): nothing ran, so
                // the client may retry, and is told so rather than given an internal error.
                LOG.warnf("could not verify a bearer token: %s", failure.toString());
                ctx.response().putHeader("Retry-After", "1");
                respond(
                    ctx,
                    media,
                    503,
                    "UNAVAILABLE",
                    "your session could not be checked just now; nothing was changed, retry"
                        + " shortly");
              }
            });
  }

  /** The operations of a POST, read as GraphQL over HTTP defines its body. */
  private static List<Operation> operations(RoutingContext ctx) throws BadRequest {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null) {
      throw new BadRequest(415, "send the request as Content-Type: application/json");
    }
    String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    // The media type first: a form's body may not even be readable as text (multipart).
    if (!mediaType.equals("application/json") && !mediaType.equals("application/graphql")) {
      throw new BadRequest(415, "send the request as Content-Type: application/json");
    }
    String body = ctx.body().asString();
    if (body == null || body.isBlank()) {
      throw new BadRequest(400, "the request has no body: send {\"query\": \"...\"}");
    }
    if (mediaType.equals("application/graphql")) {
      return List.of(
          new Operation(body, null)); // the document itself, as SmallRye GraphQL reads it
    }
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new BadRequest(400, "the body is not JSON");
    }
    if (json instanceof JsonObject request) {
      return List.of(operation(request));
    }
    if (json instanceof JsonArray batch && !batch.isEmpty()) {
      List<Operation> operations = new ArrayList<>(batch.size());
      for (Object item : batch) {
        if (!(item instanceof JsonObject request)) {
          throw new BadRequest(400, "each request of a batch must be a JSON object");
        }
        operations.add(operation(request));
      }
      return operations;
    }
    throw new BadRequest(400, "the body must be a JSON object with a query");
  }

  private static Operation operation(JsonObject request) throws BadRequest {
    if (!(request.getValue("query") instanceof String query)) {
      throw new BadRequest(
          400,
          request.getValue("query") == null
              ? "the request has no query"
              : "the query must be a string");
    }
    Object operationName = request.getValue("operationName");
    if (operationName != null && !(operationName instanceof String)) {
      throw new BadRequest(400, "operationName must be a string or null");
    }
    for (String map : List.of("variables", "extensions")) {
      Object value = request.getValue(map);
      if (value != null && !(value instanceof JsonObject)) {
        throw new BadRequest(400, map + " must be an object or null");
      }
    }
    return new Operation(query, (String) operationName);
  }

  /** The guard's verdict on the request's document(s), null to let them run. */
  private RequestGuard.Refusal check(
      List<Operation> operations, boolean signedIn, boolean refuseSyntaxErrors) {
    for (Operation operation : operations) {
      RequestGuard.Refusal refusal =
          guard.check(operation.query(), operation.operationName(), signedIn, refuseSyntaxErrors);
      if (refusal != null) {
        return refusal;
      }
    }
    return null;
  }

  private static void respond(
      RoutingContext ctx, ResponseMedia media, int status, String code, String message) {
    var response = ctx.response().setStatusCode(status);
    response.putHeader(HttpHeaders.CONTENT_TYPE, media.contentType());
    if (status == 401) {
      boolean tokenSent = ctx.request().getHeader(HttpHeaders.AUTHORIZATION) != null;
      response.putHeader(
          "WWW-Authenticate", tokenSent ? "Bearer error=\"invalid_token\"" : "Bearer");
    }
    JsonObject body = errorBody(code, message);
    if (!media.writesNullData()) {
      body.remove("data"); // a request error: nothing ran, so there is no data entry
    }
    response.end(body.encode());
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
