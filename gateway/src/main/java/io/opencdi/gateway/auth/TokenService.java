package io.opencdi.gateway.auth;

import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/** Issues bearer tokens for users of the built-in store. */
@ApplicationScoped
public class TokenService {
  /** Claim holding the user's id in the inventory. */
  public static final String USER_ID_CLAIM = "uid";

  private final AuthConfig config;

  public TokenService(AuthConfig config) {
    this.config = config;
  }

  public String issue(UserEntity user) {
    return Jwt.issuer(config.issuer())
        .upn(user.username)
        .subject(user.id.toString())
        .claim(USER_ID_CLAIM, user.id.toString())
        .groups(Set.of(user.role))
        .expiresIn(config.tokenLifetime())
        .sign();
  }
}
