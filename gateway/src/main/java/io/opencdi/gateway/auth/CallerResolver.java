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
  private final ExternalUsers external;
  private final String builtInIssuer;
  private final boolean builtInUsers;

  public CallerResolver(
      CurrentIdentityAssociation identities, ExternalUsers external, AuthConfig config) {
    this.identities = identities;
    this.external = external;
    this.builtInIssuer = config.issuer();
    this.builtInUsers = config.builtInUsers();
  }

  /** The caller, or a failed Uni with {@link UnauthenticatedException}. */
  public Uni<Caller> caller() {
    return identities
        .getDeferredIdentity()
        .onFailure()
        .transform(e -> new UnauthenticatedException("the bearer token is invalid or expired"))
        .flatMap(this::toCaller);
  }

  private Uni<Caller> toCaller(SecurityIdentity identity) {
    if (identity == null || identity.isAnonymous()) {
      return Uni.createFrom()
          .failure(
              new UnauthenticatedException("sign in first: send Authorization: Bearer <token>"));
    }
    if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
      return Uni.createFrom()
          .failure(new UnauthenticatedException("the credentials are not a bearer token"));
    }
    boolean admin = identity.hasRole(Roles.ADMIN);
    String uid = jwt.getClaim(TokenService.USER_ID_CLAIM);
    // The user id claim is trusted only in tokens of the built-in store; a token from an OIDC
    // provider names its user, who is found (or created on first sign-in) by name.
    if (uid != null && builtInUsers && builtInIssuer.equals(jwt.getIssuer())) {
      try {
        return Uni.createFrom().item(new Caller(UUID.fromString(uid), jwt.getName(), admin));
      } catch (IllegalArgumentException e) {
        return Uni.createFrom()
            .failure(new UnauthenticatedException("the token does not name an OpenCDI user"));
      }
    }
    String name = jwt.getName();
    if (name == null || name.isBlank()) {
      return Uni.createFrom()
          .failure(new UnauthenticatedException("the token names no user (no upn or sub claim)"));
    }
    return external.resolve(name, admin);
  }
}
