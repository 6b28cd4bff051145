package io.opencdi.gateway.testing;

import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.auth.UserEntity;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Users made for one test, as users first seen through an identity provider are (a row, no
 * password), each with a token of their own: requests then run as distinct users, and nothing of
 * one user's (their row lock, their quota) serialises the others.
 */
public final class TestUsers {
  private TestUsers() {}

  /** Creates {@code count} users named {@code prefix-N} and returns their bearer tokens. */
  public static List<String> create(Pool pool, TokenService tokens, String prefix, int count) {
    List<String> issued = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      UserEntity u = new UserEntity();
      u.id = UUID.randomUUID();
      u.username = prefix + "-" + i;
      u.role = "user";
      pool.preparedQuery("insert into app_user (id, username, role) values ($1, $2, 'user')")
          .execute(Tuple.of(u.id, u.username))
          .await()
          .atMost(Duration.ofSeconds(30));
      issued.add(tokens.issue(u));
    }
    return issued;
  }
}
