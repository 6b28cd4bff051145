package io.opencdi.gateway.db;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Opens a Hibernate Reactive session of its own for each unit of work. graphql-java resolves
 * sibling fields in parallel and events arrive on contexts that belong to nobody; a session found
 * in the current Vert.x context would then be shared by concurrent work, which Hibernate Reactive
 * does not allow. Each call therefore runs on a new, safe duplicated context.
 */
@ApplicationScoped
public class Db {
  private final Mutiny.SessionFactory sessions;
  private final Vertx vertx;

  public Db(Mutiny.SessionFactory sessions, Vertx vertx) {
    this.sessions = sessions;
    this.vertx = vertx;
  }

  /** Runs {@code work} in a new session. */
  public <T> Uni<T> session(Function<Mutiny.Session, Uni<T>> work) {
    return onOwnContext(() -> sessions.withSession(work));
  }

  /** Runs {@code work} in a new session and transaction, committed when the Uni succeeds. */
  public <T> Uni<T> transaction(Function<Mutiny.Session, Uni<T>> work) {
    return onOwnContext(() -> sessions.withTransaction(work));
  }

  private <T> Uni<T> onOwnContext(java.util.function.Supplier<Uni<T>> work) {
    Context current = Vertx.currentContext();
    Context root = current != null ? current : vertx.getOrCreateContext();
    Context context = VertxContext.createNewDuplicatedContext(root);
    VertxContextSafetyToggle.setContextSafe(context, true);
    return Uni.createFrom()
        .emitter(
            emitter ->
                context.runOnContext(
                    v -> work.get().subscribe().with(emitter::complete, emitter::fail)));
  }

  /**
   * Within a {@link #transaction}, waits until no other gateway replica holds the lock called
   * {@code name}, then holds it until the transaction ends. Replicas that start together use it so
   * that one-time work (seeding, registering the bootstrap agent) runs once, not once each.
   */
  public static Uni<Void> lockUntilCommit(Mutiny.Session s, String name) {
    return s.createNativeQuery("select 1 from (select pg_advisory_xact_lock(hashtext(?1))) l")
        .setParameter(1, name)
        .getSingleResult()
        .replaceWithVoid();
  }
}
