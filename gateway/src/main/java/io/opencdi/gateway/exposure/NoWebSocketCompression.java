package io.opencdi.gateway.exposure;

import io.quarkus.arc.Unremovable;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The gateway's WebSockets negotiate no compression, which browsers and most clients offer and
 * Vert.x accepts by default: neither permessage-deflate ({@code
 * quarkus.websockets-next.server.per-message-compression-supported=false} in
 * application.properties, since Quarkus WebSockets Next sets that option on the server from its own
 * configuration) nor the older per-frame deflate (here). Compression is per connection: an event
 * that a subscription group serialised once for a thousand consoles was compressed a thousand times
 * (about a tenth of the gateway's CPU under fan-out, and as much again in each client), so the cost
 * of an event grew with its audience. What else travels over the gateway's WebSockets is already
 * compressed (RFB encodings, Opus audio, file bytes) or small (agent frames). HTTP responses are
 * unaffected.
 */
@ApplicationScoped
@Unremovable // looked up by Quarkus when the server starts, never injected
public class NoWebSocketCompression implements HttpServerOptionsCustomizer {
  @Override
  public void customizeHttpServer(HttpServerOptions options) {
    withoutCompression(options);
  }

  @Override
  public void customizeHttpsServer(HttpServerOptions options) {
    withoutCompression(options);
  }

  private static void withoutCompression(HttpServerOptions options) {
    options.setPerFrameWebSocketCompressionSupported(false);
  }
}
