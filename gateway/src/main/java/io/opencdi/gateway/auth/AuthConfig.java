package io.opencdi.gateway.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** Authentication settings. */
@ConfigMapping(prefix = "opencdi.auth")
public interface AuthConfig {
  /**
   * Whether the built-in user store signs users in through the {@code login} mutation. The embedded
   * default uses it; production takes tokens from an OIDC provider and switches it off.
   */
  @WithDefault("true")
  boolean builtInUsers();

  /** Issuer written into and expected in tokens. */
  @WithDefault("https://opencdi.local/built-in")
  String issuer();

  /** How long a token from {@code login} is valid. */
  @WithDefault("PT8H")
  Duration tokenLifetime();

  /** Seeding of the embedded default's users and templates. */
  Seed seed();

  /**
   * How many tokens' lookups (user, role, revocation) a replica keeps between changes, which the
   * database announces (ADR 0033).
   */
  @WithDefault("100000")
  long sessionCacheSize();

  /** The longest a kept lookup is used without reading the inventory again. */
  @WithDefault("PT60S")
  Duration sessionCacheExpiry();

  /** Seeding of the embedded default. */
  interface Seed {
    /** Whether to create the users admin, alice and bob and a few templates on first start. */
    @WithDefault("false")
    boolean enabled();

    /**
     * Passwords of the seeded users by user name; a user without an entry gets their user name as
     * password, which only the embedded default accepts.
     */
    Map<String, String> passwords();
  }
}
