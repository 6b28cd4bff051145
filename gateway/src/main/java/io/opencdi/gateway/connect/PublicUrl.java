package io.opencdi.gateway.connect;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where clients reach this gateway: {@code opencdi.public-url} when set (the address behind a load
 * balancer or TLS proxy), otherwise the Host of the client's own request. Also decides which page
 * origins may open display connections.
 */
@ApplicationScoped
public class PublicUrl {
  private final Optional<URI> publicUrl;
  private final Set<String> allowedOrigins;

  public PublicUrl(
      @ConfigProperty(name = "opencdi.public-url") Optional<String> publicUrl,
      ConnectConfig config) {
    this.publicUrl = publicUrl.filter(u -> !u.isBlank()).map(PublicUrl::parse);
    this.allowedOrigins =
        config.allowedOrigins().orElse(List.of()).stream()
            .map(PublicUrl::normalise)
            .collect(Collectors.toUnmodifiableSet());
  }

  private static URI parse(String url) {
    URI uri = URI.create(url.strip());
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!Set.of("http", "https").contains(scheme) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "opencdi.public-url must be an http:// or https:// URL, got " + url);
    }
    return uri;
  }

  /** ws(s)://host[:port] under which the client reaches the display endpoint. */
  public String displayBase(RoutingContext request) {
    if (publicUrl.isPresent()) {
      URI uri = publicUrl.get();
      String scheme = "https".equalsIgnoreCase(uri.getScheme()) ? "wss" : "ws";
      return scheme + "://" + uri.getRawAuthority() + stripSlash(uri.getRawPath());
    }
    if (request == null || request.request().getHeader("Host") == null) {
      throw new IllegalStateException("set opencdi.public-url: the request names no Host");
    }
    HttpServerRequest http = request.request();
    String scheme = "https".equalsIgnoreCase(http.scheme()) ? "wss" : "ws";
    return scheme + "://" + http.getHeader("Host");
  }

  /**
   * Whether a page from {@code origin} may open a display connection through {@code request}. A
   * request without Origin comes from a program, not a browser page (browsers always send it on
   * WebSocket upgrades), and is allowed: the ticket is what authorises it.
   */
  public boolean originAllowed(String origin, HttpServerRequest request) {
    if (origin == null) {
      return true;
    }
    String normalised = normalise(origin);
    if (allowedOrigins.contains(normalised)) {
      return true;
    }
    if (publicUrl.isPresent()) {
      return normalised.equals(normalise(publicUrl.get().toString()));
    }
    // Same origin as the request: the page was served by this gateway under the same host.
    String host = request.getHeader("Host");
    URI uri;
    try {
      uri = URI.create(normalised);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return host != null
        && uri.getRawAuthority() != null
        && uri.getRawAuthority().equalsIgnoreCase(host);
  }

  /** scheme://host[:port] in lower case, without a default port, path or trailing slash. */
  static String normalise(String origin) {
    try {
      URI uri = URI.create(origin.strip());
      if (uri.getScheme() == null || uri.getHost() == null) {
        return origin.strip().toLowerCase(Locale.ROOT);
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort =
          port == -1
              || (port == 80 && scheme.equals("http"))
              || (port == 443 && scheme.equals("https"));
      return scheme
          + "://"
          + uri.getHost().toLowerCase(Locale.ROOT)
          + (defaultPort ? "" : ":" + port);
    } catch (IllegalArgumentException e) {
      return origin.strip().toLowerCase(Locale.ROOT);
    }
  }

  private static String stripSlash(String path) {
    String p = path == null ? "" : path;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
