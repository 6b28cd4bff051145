package io.opencdi.gateway.graphql;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The media type a GraphQL-over-HTTP response is written in, chosen from the client's {@code
 * Accept} (GraphQL over HTTP, docs/adr/0032-graphql-over-http.md). With {@code
 * application/graphql-response+json} the status code tells what happened: 200 once the operation
 * ran, 400 for a request error (a response without {@code data}: the document did not parse or
 * validate, a variable did not coerce), 401 without a valid token. With {@code application/json}
 * (also for {@code *}{@code /*} and a missing {@code Accept}) every well-formed request is answered
 * with 200, as before.
 */
enum ResponseMedia {
  GRAPHQL_RESPONSE_JSON("application/graphql-response+json; charset=utf-8"),
  JSON("application/json; charset=utf-8"),
  /** Any other {@code Accept}: SmallRye GraphQL answers as it always did (or with 406). */
  AS_ASKED(null);

  private static final String REQUEST_ERROR = "opencdi.graphql.request-error";

  private final String contentType;

  ResponseMedia(String contentType) {
    this.contentType = contentType;
  }

  /** The first media type of the client's {@code Accept}, in its order of preference, we know. */
  static ResponseMedia negotiate(RoutingContext ctx) {
    if (ctx.parsedHeaders().accept().isEmpty()) {
      return JSON;
    }
    for (MIMEHeader accepted : ctx.parsedHeaders().accept()) {
      String type = accepted.value().split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      switch (type) {
        case "application/graphql-response+json" -> {
          return GRAPHQL_RESPONSE_JSON;
        }
        case "application/json", "*/*", "application/*" -> {
          return JSON;
        }
        case "application/graphql+json" -> {
          return AS_ASKED;
        }
        default -> {}
      }
    }
    return AS_ASKED;
  }

  /** The {@code Content-Type} of a response the gateway writes itself. */
  String contentType() {
    return contentType == null ? JSON.contentType : contentType;
  }

  /** The status of a refusal with this {@code extensions.code}, written before anything ran. */
  int status(String code) {
    if (this != GRAPHQL_RESPONSE_JSON) {
      return 200;
    }
    return switch (code) {
      case "UNAUTHENTICATED" -> 401;
      default -> 400;
    };
  }

  /** Whether a response written by the gateway itself carries {@code "data": null}. */
  boolean writesNullData() {
    return this != GRAPHQL_RESPONSE_JSON;
  }

  /**
   * Readies a request that SmallRye GraphQL will answer: it only knows {@code application/json} and
   * {@code application/graphql+json}, so it is asked for the former, and the status and content
   * type are set just before the response's headers are written.
   */
  void prepare(RoutingContext ctx) {
    if (this == AS_ASKED) {
      return;
    }
    AtomicBoolean requestError = new AtomicBoolean();
    if (this == GRAPHQL_RESPONSE_JSON) {
      ctx.put(REQUEST_ERROR, requestError);
      ctx.request().headers().set(HttpHeaders.ACCEPT, "application/json");
    }
    ctx.addHeadersEndHandler(
        v -> {
          var response = ctx.response();
          if (response.getStatusCode() != 200) {
            return; // SmallRye GraphQL's own refusals (406, 500) stay as they are
          }
          if (requestError.get()) {
            response.setStatusCode(400);
          }
          response.headers().set(HttpHeaders.CONTENT_TYPE, contentType);
        });
  }

  /**
   * Called by graphql-java's instrumentation when a result has no {@code data}: a request error.
   * Finds the HTTP request being answered, if any (a WebSocket operation has none marked), through
   * the request context SmallRye GraphQL runs the operation in.
   */
  static void markRequestError() {
    ManagedContext requestContext = Arc.container().requestContext();
    if (!requestContext.isActive()) {
      return;
    }
    RoutingContext ctx = Arc.container().instance(CurrentVertxRequest.class).get().getCurrent();
    if (ctx != null && ctx.get(REQUEST_ERROR) instanceof AtomicBoolean requestError) {
      requestError.set(true);
    }
  }
}
