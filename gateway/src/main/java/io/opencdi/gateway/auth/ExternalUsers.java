package io.opencdi.gateway.auth;

import io.opencdi.gateway.db.Db;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users who sign in through an OIDC provider. The first request with a valid token creates the user
 * (no password: they can never use the built-in {@code login}); later requests find them by name.
 * The role follows the token on every request, so granting or revoking {@code admin} in the
 * provider takes effect with the next token; the stored role is kept in step for listings.
 */
@ApplicationScoped
public class ExternalUsers {
  private static final String UPSERT =
      "insert into app_user (id, username, role, created_at) values (?1, ?2, ?3, now())"
          + " on conflict (username) do update set role = excluded.role"
          + " where app_user.role <> excluded.role";

  private final Db db;
  private final Map<String, Caller> known = new ConcurrentHashMap<>();

  public ExternalUsers(Db db) {
    this.db = db;
  }

  /** The user called {@code name}, created on first sight, with the token's role. */
  public Uni<Caller> resolve(String name, boolean admin) {
    Caller cached = known.get(name);
    if (cached != null && cached.admin() == admin) {
      return Uni.createFrom().item(cached);
    }
    String role = admin ? Roles.ADMIN : Roles.USER;
    return db.transaction(
            s ->
                s.createNativeQuery(UPSERT)
                    .setParameter(1, UUID.randomUUID())
                    .setParameter(2, name)
                    .setParameter(3, role)
                    .executeUpdate()
                    .chain(
                        () ->
                            s.createSelectionQuery(
                                    "select u.id from UserEntity u where u.username = :n",
                                    UUID.class)
                                .setParameter("n", name)
                                .getSingleResult()))
        .map(
            id -> {
              Caller caller = new Caller(id, name, admin);
              known.put(name, caller);
              return caller;
            });
  }
}
