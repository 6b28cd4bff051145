package io.opencdi.gateway.agent;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.Snapshot;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready means a desktop can be placed: when {@code opencdi.agents.ready-agent} names an agent (the
 * embedded default's bundled one), this replica is not ready until that agent owns clusters and
 * every one of them is in this replica's placement snapshot, ready. Without the setting the check
 * is always up: agents of a production fleet come and go, and a replica stays useful without them.
 */
@Readiness
@ApplicationScoped
public class BundledAgentReadiness implements AsyncHealthCheck {
  private final Db db;
  private final PlacementService placement;
  private final AgentLinkConfig config;

  public BundledAgentReadiness(Db db, PlacementService placement, AgentLinkConfig config) {
    this.db = db;
    this.placement = placement;
    this.config = config;
  }

  @Override
  public Uni<HealthCheckResponse> call() {
    if (config.readyAgent().isEmpty()) {
      return Uni.createFrom().item(HealthCheckResponse.up("bundled-agent"));
    }
    String agent = config.readyAgent().get();
    return db.session(
            s ->
                s.createSelectionQuery(
                        "select c.id from ClusterEntity c, AgentEntity a"
                            + " where c.agentId = a.id and a.name = :n",
                        UUID.class)
                    .setParameter("n", agent)
                    .getResultList())
        .map(ids -> response(agent, ids, placement.snapshot()))
        .onFailure()
        .recoverWithItem(
            e ->
                HealthCheckResponse.named("bundled-agent")
                    .down()
                    .withData("agent", agent)
                    .withData("error", e.toString())
                    .build());
  }

  private static HealthCheckResponse response(String agent, List<UUID> ids, Snapshot snapshot) {
    long placeable =
        ids.stream()
            .filter(id -> snapshot.cluster(id.toString()).map(ClusterState::ready).orElse(false))
            .count();
    return HealthCheckResponse.named("bundled-agent")
        .status(!ids.isEmpty() && placeable == ids.size())
        .withData("agent", agent)
        .withData("clusters", ids.size())
        .withData("placeableClusters", placeable)
        .build();
  }
}
