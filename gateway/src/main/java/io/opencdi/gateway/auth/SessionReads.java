package io.opencdi.gateway.auth;

import io.opencdi.gateway.common.UnauthenticatedException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads the sessions this replica does not know yet, all that are asked for at the same moment in
 * one query. When a replica starts, or a crowd signs in, a thousand first requests would otherwise
 * each take a connection for the same small read and starve the pool of the work they came for. The
 * reads asked for while one query runs form the next one (no timer: a lone read goes at once).
 */
final class SessionReads {
  private static final int MAX_BATCH = 512;
  private static final String READ =
      "select a.i, u.username, u.role,"
          + " exists (select 1 from revoked_token r where r.token_hash = a.h)"
          + " from unnest($1::uuid[], $2::text[]) with ordinality as a(u, h, i)"
          + " join app_user u on u.id = a.u";

  private final Pool pool;
  private final SessionLookups lookups;
  // Guarded by this.
  private final List<Ask> waiting = new ArrayList<>();
  private boolean reading;
  private final java.util.concurrent.atomic.AtomicLong queries =
      new java.util.concurrent.atomic.AtomicLong();

  private record Ask(
      UUID userId,
      String tokenHash,
      UniEmitter<? super SessionLookups.Lookup> answer,
      Context context) {}

  SessionReads(Pool pool, SessionLookups lookups) {
    this.pool = pool;
    this.lookups = lookups;
  }

  /** What the inventory says of the token {@code tokenHash} of user {@code userId}. */
  Uni<SessionLookups.Lookup> read(UUID userId, String tokenHash) {
    return Uni.createFrom()
        .emitter(
            answer -> {
              boolean start;
              synchronized (this) {
                waiting.add(new Ask(userId, tokenHash, answer, Vertx.currentContext()));
                start = !reading;
                reading = true;
              }
              if (start) {
                next();
              }
            });
  }

  private void next() {
    List<Ask> batch;
    synchronized (this) {
      if (waiting.isEmpty()) {
        reading = false;
        return;
      }
      int n = Math.min(waiting.size(), MAX_BATCH);
      batch = new ArrayList<>(waiting.subList(0, n));
      waiting.subList(0, n).clear();
    }
    // Whatever the database announces from now on was not seen by this read.
    long since = lookups.generation();
    UUID[] users = batch.stream().map(Ask::userId).toArray(UUID[]::new);
    String[] hashes = batch.stream().map(Ask::tokenHash).toArray(String[]::new);
    queries.incrementAndGet();
    pool.preparedQuery(READ)
        .execute(Tuple.of(users, hashes))
        .subscribe()
        .with(
            rows -> {
              Map<Integer, Row> byPosition = new HashMap<>();
              for (Row r : rows) {
                byPosition.put(r.getLong(0).intValue() - 1, r);
              }
              for (int i = 0; i < batch.size(); i++) {
                Ask ask = batch.get(i);
                Row row = byPosition.get(i);
                if (row == null) {
                  fail(ask, new UnauthenticatedException("the token's user no longer exists"));
                  continue;
                }
                SessionLookups.Lookup found =
                    new SessionLookups.Lookup(
                        ask.userId(),
                        row.getString(1),
                        Roles.ADMIN.equals(row.getString(2)),
                        row.getBoolean(3));
                lookups.keep(since, ask.tokenHash(), found);
                answer(ask, found);
              }
              next();
            },
            failure -> {
              batch.forEach(ask -> fail(ask, failure));
              next();
            });
  }

  /** How many queries have read sessions so far. */
  long queries() {
    return queries.get();
  }

  /** Answers on the asker's own context, where its request lives. */
  private static void answer(Ask ask, SessionLookups.Lookup found) {
    on(ask, () -> ask.answer().complete(found));
  }

  private static void fail(Ask ask, Throwable failure) {
    on(ask, () -> ask.answer().fail(failure));
  }

  private static void on(Ask ask, Runnable r) {
    if (ask.context() == null) {
      r.run();
    } else {
      ask.context().runOnContext(v -> r.run());
    }
  }
}
