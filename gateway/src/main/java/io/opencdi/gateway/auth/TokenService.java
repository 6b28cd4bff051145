package io.opencdi.gateway.auth;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Issues bearer tokens for users of the built-in store. */
@ApplicationScoped
public class TokenService {
  /** Claim holding the user's id in the inventory. */
  public static final String USER_ID_CLAIM = "uid";

  private final AuthConfig config;
  private final Optional<Set<String>> audiences;

  public TokenService(
      AuthConfig config,
      @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<Set<String>> audiences) {
    this.config = config;
    this.audiences = audiences;
  }

  public String issue(UserEntity user) {
    JwtClaimsBuilder claims =
        Jwt.issuer(config.issuer())
            .upn(user.username)
            .subject(user.id.toString())
            .claim(USER_ID_CLAIM, user.id.toString())
            .groups(Set.of(user.role))
            .expiresIn(config.tokenLifetime());
    // When the gateway checks an audience, its own tokens carry it.
    audiences.filter(a -> !a.isEmpty()).ifPresent(claims::audience);
    return claims.sign();
  }
}
