package io.opencdi.gateway.exposure;

import io.opencdi.gateway.auth.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may read {@code /q/metrics}: anyone on this host, an administrator's token from anywhere else
 * (401 without a token, 403 with another user's). Named in {@code
 * quarkus.http.auth.permission.*.policy}; the embedded default applies it, a cluster where
 * Prometheus scrapes pods over a private network does not.
 */
@ApplicationScoped
public class MetricsAccessPolicy implements HttpSecurityPolicy {
  public static final String NAME = "metrics-outside-loopback";

  @Override
  public Uni<CheckResult> checkPermission(
      RoutingContext request,
      Uni<SecurityIdentity> identity,
      AuthorizationRequestContext requestContext) {
    // The connection's own peer: forwarding headers, which any client can write, are not asked.
    if (fromLoopback(request.request().connection().remoteAddress())) {
      return CheckResult.permit();
    }
    return identity.map(
        id -> !id.isAnonymous() && id.hasRole(Roles.ADMIN) ? CheckResult.PERMIT : CheckResult.DENY);
  }

  static boolean fromLoopback(SocketAddress peer) {
    if (peer == null || peer.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(peer.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return NAME;
  }
}
