package io.opencdi.gateway.common;

import io.vertx.pgclient.PgException;
import java.util.function.Function;

/**
 * PostgreSQL's unique violation (SQLSTATE 23505) as the client's {@code CONFLICT}: an insert that
 * the database refuses as a duplicate tells the client what exists already.
 */
public final class UniqueViolations {
  private static final String SQLSTATE = "23505";

  private UniqueViolations() {}

  /**
   * For {@code onFailure().transform(...)}: a unique violation becomes a {@link ConflictException}
   * saying {@code message}; any other failure passes unchanged.
   */
  public static Function<Throwable, Throwable> asConflict(String message) {
    return e ->
        e instanceof PgException pg && SQLSTATE.equals(pg.getSqlState())
            ? new ConflictException(message)
            : e;
  }
}
