package io.opencdi.gateway.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import io.opencdi.gateway.common.UnauthenticatedException;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns a bearer token into a {@link Session}, on every HTTP request and every WebSocket operation:
 * the signature, issuer and audience (smallrye-jwt's {@code mp.jwt.verify.*}, checked once per
 * token and then known by its fingerprint), the expiry without grace, the revocation list and the
 * user's current role, read from the inventory. What the inventory said is kept per token until the
 * database announces a change ({@link SessionLookups}, ADR 0033), so signing out, a demotion or a
 * deleted user take effect on every replica as soon as the notification arrives, without a database
 * round trip per request.
 */
@ApplicationScoped
public class Sessions {
  private static final String REVOKE =
      "insert into revoked_token (token_hash, expires_at) values ($1, $2)"
          + " on conflict (token_hash) do nothing";
  private static final String FORGET_EXPIRED = "delete from revoked_token where expires_at < now()";

  private final JWTParser parser;
  private final Pool pool;
  private final ExternalUsers external;
  private final AuthConfig config;
  private final SessionReads reads;
  private final SessionLookups lookups;

  public Sessions(JWTParser parser, Pool pool, ExternalUsers external, AuthConfig config) {
    this.parser = parser;
    this.pool = pool;
    this.external = external;
    this.config = config;
    this.lookups =
        new SessionLookups(
            config.sessionCacheSize(), config.sessionCacheExpiry(), Ticker.systemTicker());
    this.reads = new SessionReads(pool, lookups);
  }

  /** The queries that read sessions so far (each reads every session asked for meanwhile). */
  long sessionReadQueries() {
    return reads.queries();
  }

  /** What this replica keeps of the inventory's answers; told of changes by the events package. */
  public SessionLookups lookups() {
    return lookups;
  }

  /** Production with an identity provider must say which audience OpenCDI's tokens carry. */
  void onStart(@Observes StartupEvent event) {
    boolean production =
        LaunchMode.current() == LaunchMode.NORMAL
            && ConfigUtils.getProfiles().contains("prod")
            && !ConfigUtils.getProfiles().contains("embedded");
    boolean audience =
        ConfigProvider.getConfig()
            .getOptionalValue("mp.jwt.verify.audiences", String.class)
            .filter(a -> !a.isBlank())
            .isPresent();
    if (production && !config.builtInUsers() && !audience) {
      // Without an audience, a token the provider issued to any other application would do.
      throw new IllegalStateException(
          "set mp.jwt.verify.audiences to the audience the identity provider puts in OpenCDI's"
              + " tokens: production accepts no token meant for another application");
    }
  }

  /** The session of {@code token}, or a failure with {@link UnauthenticatedException}. */
  public Uni<Session> verify(String token) {
    String hash = fingerprint(token);
    SessionLookups.Verified known = lookups.verified(hash);
    if (known != null) {
      return session(known.userId(), hash, known.expires());
    }
    JsonWebToken jwt;
    try {
      jwt = parser.parse(token);
    } catch (ParseException | RuntimeException e) {
      return refuse("the bearer token is invalid or expired");
    }
    Instant expires = Instant.ofEpochSecond(jwt.getExpirationTime());
    if (expired(expires)) {
      return refuse("the bearer token is invalid or expired");
    }
    long since = lookups.generation();
    return userId(jwt)
        .invoke(id -> lookups.keepVerified(since, hash, new SessionLookups.Verified(id, expires)))
        .flatMap(id -> session(id, hash, expires));
  }

  private Uni<Session> session(UUID id, String hash, Instant expires) {
    if (expired(expires)) {
      return refuse("the bearer token is invalid or expired");
    }
    return lookup(id, hash)
        .map(
            found -> {
              if (found.revoked()) {
                throw new UnauthenticatedException(
                    "the token was revoked (signed out); sign in again");
              }
              return new Session(
                  new Caller(found.userId(), found.username(), found.admin()), hash, expires);
            });
  }

  // smallrye-jwt allows a minute of clock skew; an expired session ends on time here.
  private static boolean expired(Instant expires) {
    return !Instant.now().isBefore(expires);
  }

  private Uni<SessionLookups.Lookup> lookup(UUID id, String hash) {
    SessionLookups.Lookup kept = lookups.get(hash);
    if (kept != null && kept.userId().equals(id)) {
      return Uni.createFrom().item(kept);
    }
    return reads.read(id, hash);
  }

  /** Revokes the session's token on every replica; expired entries are forgotten on the way. */
  public Uni<Void> revoke(Session session) {
    return pool.withTransaction(
            c ->
                c.preparedQuery(REVOKE)
                    .execute(
                        Tuple.of(session.tokenHash(), session.expiresAt().atOffset(ZoneOffset.UTC)))
                    .chain(() -> c.query(FORGET_EXPIRED).execute())
                    .replaceWithVoid())
        // The trigger tells every replica; this one forgets at once, before logout answers.
        .invoke(() -> lookups.tokenRevoked(session.tokenHash()));
  }

  private Uni<UUID> userId(JsonWebToken jwt) {
    String uid = jwt.getClaim(TokenService.USER_ID_CLAIM);
    // The user id claim is trusted only in tokens of the built-in store; a token from an OIDC
    // provider is its (issuer, subject), found or created by ExternalUsers.
    if (uid != null && config.builtInUsers() && config.issuer().equals(jwt.getIssuer())) {
      try {
        return Uni.createFrom().item(UUID.fromString(uid));
      } catch (IllegalArgumentException e) {
        return refuse("the token does not name an OpenCDI user");
      }
    }
    return external.resolve(jwt);
  }

  /** The SHA-256 of a token, hex: what the revocation list keeps instead of the token. */
  static String fingerprint(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> Uni<T> refuse(String message) {
    return Uni.createFrom().failure(new UnauthenticatedException(message));
  }
}
