package io.opencdi.gateway.auth;

import io.opencdi.gateway.common.UnauthenticatedException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Users who sign in through an OIDC provider, identified by the token's issuer and subject — never
 * by name, so a provider user called "admin" is not the built-in admin. The first valid token
 * creates the user (no password: they can never use the built-in {@code login}) under the token's
 * name, or the name with a suffix when another user has it. The provider's {@code groups} decide
 * the role: each change is written to the inventory, from which every request reads it.
 */
@ApplicationScoped
public class ExternalUsers {
  private static final String UPDATE_ROLE =
      "update app_user set role = $3 where oidc_issuer = $1 and oidc_subject = $2 returning id";
  // A user created by name before issuers and subjects were kept: claimed once, by that name.
  private static final String ADOPT =
      "update app_user set oidc_issuer = $1, oidc_subject = $2, role = $4"
          + " where username = $3 and password_hash is null and oidc_subject is null returning id";
  private static final String INSERT =
      "insert into app_user (id, username, role, oidc_issuer, oidc_subject, created_at)"
          + " values ($1, $2, $3, $4, $5, now()) on conflict do nothing returning id";

  private final Pool pool;
  private final Map<String, UUID> known = new ConcurrentHashMap<>();

  public ExternalUsers(Pool pool) {
    this.pool = pool;
  }

  /** The inventory id of the token's user, created on first sight. */
  public Uni<UUID> resolve(JsonWebToken jwt) {
    String issuer = jwt.getIssuer();
    String subject = jwt.getSubject();
    String name = jwt.getName();
    if (issuer == null || subject == null || subject.isBlank()) {
      return Uni.createFrom()
          .failure(new UnauthenticatedException("the token names no issuer and subject"));
    }
    String displayName = name == null || name.isBlank() ? subject : name;
    String role = jwt.getGroups().contains(Roles.ADMIN) ? Roles.ADMIN : Roles.USER;
    String key = issuer + '\n' + subject + '\n' + role;
    UUID cached = known.get(key);
    if (cached != null) {
      return Uni.createFrom().item(cached);
    }
    return first(UPDATE_ROLE, Tuple.of(issuer, subject, role))
        .onItem()
        .ifNull()
        .switchTo(() -> first(ADOPT, Tuple.of(issuer, subject, displayName, role)))
        .onItem()
        .ifNull()
        .switchTo(() -> insert(issuer, subject, displayName, role))
        .onItem()
        .ifNull()
        // The name is another user's: keep it readable and make it unique with the identity.
        .switchTo(
            () ->
                insert(
                    issuer,
                    subject,
                    displayName
                        + "#"
                        + Sessions.fingerprint(issuer + '\n' + subject).substring(0, 8),
                    role))
        .onItem()
        .ifNull()
        // A concurrent first request of the same user inserted it.
        .switchTo(() -> first(UPDATE_ROLE, Tuple.of(issuer, subject, role)))
        .onItem()
        .ifNull()
        .failWith(() -> new UnauthenticatedException("the token's user could not be created"))
        .invoke(id -> known.put(key, id));
  }

  private Uni<UUID> insert(String issuer, String subject, String name, String role) {
    return first(INSERT, Tuple.from(new Object[] {UUID.randomUUID(), name, role, issuer, subject}));
  }

  private Uni<UUID> first(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args).map(ExternalUsers::firstId);
  }

  private static UUID firstId(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? it.next().getUUID(0) : null;
  }
}
