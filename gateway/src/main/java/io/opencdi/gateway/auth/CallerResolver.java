package io.opencdi.gateway.auth;

import io.opencdi.gateway.common.UnauthenticatedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Resolves the {@link Caller} from the request's bearer token. Authentication is lazy
 * (quarkus.http.auth.proactive=false) so that a missing or bad token becomes a GraphQL error with
 * {@code UNAUTHENTICATED} instead of a bare HTTP 401, and {@code login} works without a token.
 */
@ApplicationScoped
public class CallerResolver {
  private final CurrentIdentityAssociation identities;

  public CallerResolver(CurrentIdentityAssociation identities) {
    this.identities = identities;
  }

  /** The caller, or a failed Uni with {@link UnauthenticatedException}. */
  public Uni<Caller> caller() {
    return identities
        .getDeferredIdentity()
        .onFailure()
        .transform(e -> new UnauthenticatedException("the bearer token is invalid or expired"))
        .map(CallerResolver::toCaller);
  }

  static Caller toCaller(SecurityIdentity identity) {
    if (identity == null || identity.isAnonymous()) {
      throw new UnauthenticatedException("sign in first: send Authorization: Bearer <token>");
    }
    if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
      throw new UnauthenticatedException("the credentials are not a bearer token");
    }
    String uid = jwt.getClaim(TokenService.USER_ID_CLAIM);
    if (uid == null) {
      throw new UnauthenticatedException("the token does not name an OpenCDI user");
    }
    UUID userId;
    try {
      userId = UUID.fromString(uid);
    } catch (IllegalArgumentException e) {
      throw new UnauthenticatedException("the token does not name an OpenCDI user");
    }
    return new Caller(userId, jwt.getName(), identity.hasRole(Roles.ADMIN));
  }
}
