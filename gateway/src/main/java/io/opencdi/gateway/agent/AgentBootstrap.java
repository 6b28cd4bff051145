package io.opencdi.gateway.agent;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.db.Db;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Registers the bootstrap agent token of the embedded default, if one is configured. */
@ApplicationScoped
public class AgentBootstrap {
  private final Db db;
  private final AgentLinkConfig config;

  public AgentBootstrap(Db db, AgentLinkConfig config) {
    this.db = db;
    this.config = config;
  }

  void onStart(@Observes StartupEvent event) throws Throwable {
    if (config.bootstrapToken().isPresent()) {
      String token = config.bootstrapToken().get();
      // Hibernate Reactive needs a Vert.x context, which start-up observers do not run on.
      VertxContextSupport.subscribeAndAwait(() -> register(config.bootstrapAgentName(), token));
    }
  }

  /**
   * Creates the agent, or gives it this token if it exists. A revoked agent stays revoked: a
   * restart must not undo what an administrator did.
   */
  public Uni<Void> register(String name, String token) {
    String hash = AgentTokens.hash(token);
    return db.transaction(
        s ->
            Db.lockUntilCommit(s, "opencdi.agent-registration")
                .chain(
                    () ->
                        s.createSelectionQuery(
                                "from AgentEntity where name = :n", AgentEntity.class)
                            .setParameter("n", name)
                            .getSingleResultOrNull())
                .flatMap(
                    existing -> {
                      if (existing != null) {
                        existing.tokenHash = hash;
                        return Uni.createFrom().voidItem();
                      }
                      AgentEntity a = new AgentEntity();
                      a.id = UUID.randomUUID();
                      a.name = name;
                      a.tokenHash = hash;
                      a.createdAt = OffsetDateTime.now();
                      return s.persist(a);
                    }));
  }
}
