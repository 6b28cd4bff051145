package io.opencdi.gateway.auth;

import io.opencdi.gateway.db.Db;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** The users of the built-in store and of identity providers, as the API reads them. */
@ApplicationScoped
public class UserRepository {
  private final Db db;

  public UserRepository(Db db) {
    this.db = db;
  }

  /** The user named {@code username}, or null. */
  public Uni<UserEntity> byName(String username) {
    return db.session(
        s ->
            s.createSelectionQuery("from UserEntity where username = :u", UserEntity.class)
                .setParameter("u", username)
                .getSingleResultOrNull());
  }

  /** The user {@code id}, or null. */
  public Uni<UserEntity> byId(UUID id) {
    return db.session(s -> s.find(UserEntity.class, id));
  }

  /** The users of {@code ids} that exist. */
  public Uni<List<UserEntity>> byIds(Collection<UUID> ids) {
    return db.session(
        s ->
            s.createSelectionQuery("from UserEntity where id in :ids", UserEntity.class)
                .setParameter("ids", ids)
                .getResultList());
  }

  /** Every user people sign in as, by name: the gateway's own owner of warm pools is none. */
  public Uni<List<UserEntity>> people() {
    return db.session(
        s ->
            s.createSelectionQuery(
                    "from UserEntity where id <> :pools order by username", UserEntity.class)
                .setParameter("pools", SystemUsers.WARM_POOLS)
                .getResultList());
  }
}
