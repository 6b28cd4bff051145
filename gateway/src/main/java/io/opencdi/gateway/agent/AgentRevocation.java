package io.opencdi.gateway.agent;

import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.protocol.CloseCodes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Revokes agents. The flag is in the database, so it holds on every replica and across restarts
 * (start-up never clears it, see {@link AgentBootstrap}); the replicas holding the agent's links
 * close them when they hear of it.
 */
@ApplicationScoped
public class AgentRevocation {
  private static final Logger LOG = Logger.getLogger(AgentRevocation.class);

  private final Db db;
  private final Notifications notifications;
  private final AgentLinks links;

  public AgentRevocation(Db db, Notifications notifications, AgentLinks links) {
    this.db = db;
    this.notifications = notifications;
    this.links = links;
  }

  @PostConstruct
  void listen() {
    notifications.listen(
        Channels.AGENT,
        json -> {
          UUID agentId = UUID.fromString(json.getString("agentId"));
          LOG.infof("agent %s was revoked; closing its links", json.getString("name"));
          links.closeAll(agentId, CloseCodes.UNAUTHORIZED, "agent token revoked");
        });
  }

  /** Revokes the agent named {@code name}; fails with {@link NotFoundException} if none is. */
  public Uni<Boolean> revoke(String name) {
    return db.transaction(
            s ->
                s.createSelectionQuery("from AgentEntity where name = :n", AgentEntity.class)
                    .setParameter("n", name)
                    .getSingleResultOrNull()
                    .map(
                        agent -> {
                          if (agent == null) {
                            throw new NotFoundException("no agent named " + name);
                          }
                          agent.revoked = true;
                          return agent.id;
                        }))
        .flatMap(
            id ->
                notifications.publish(
                    Channels.AGENT,
                    new JsonObject().put("agentId", id.toString()).put("name", name)))
        .replaceWith(true);
  }
}
