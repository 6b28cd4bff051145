package io.opencdi.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.NodeGroupReport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inventory an agent's Hello writes. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AgentInventoryTest {
  @Inject AgentInventory inventory;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Inject Db db;

  /**
   * An agent that reconnects while the gateway still writes its previous Hello (a large cluster
   * takes long) sends the same Hello again: both are applied one after the other, and every cluster
   * and node group exists once.
   */
  private final String prefix = "hello-race-" + UUID.randomUUID().toString().substring(0, 8) + "-";

  /**
   * The clusters written here have a fresh heartbeat but no agent behind them: left in place, the
   * next test class's desktops could be placed on them and never start.
   */
  @AfterEach
  void removeTheClusters() {
    db.transaction(
            s ->
                s.createNativeQuery("delete from cluster where name like :p")
                    .setParameter("p", prefix + "%")
                    .executeUpdate())
        .await()
        .atMost(WAIT);
  }

  @Test
  void twoHellosOfOneAgentAtOnceWriteEveryClusterOnce() {
    List<ClusterReport> clusters =
        IntStream.range(0, 20)
            .mapToObj(
                c ->
                    new ClusterReport(
                        prefix + c,
                        "eu-west",
                        "eu-west-1a",
                        List.of("amd64"),
                        List.of("runc"),
                        List.of("longhorn"),
                        List.of(),
                        IntStream.range(0, 25)
                            .mapToObj(
                                n ->
                                    new NodeGroupReport(
                                        "node-" + n, "amd64", 16_000, 65_536, 110, 0, 0))
                            .toList()))
            .toList();

    AgentEntity agent = inventory.authenticate(PostgresResource.AGENT_TOKEN).await().atMost(WAIT);
    List<Map<String, UUID>> maps =
        Uni.combine()
            .all()
            .unis(
                inventory.register(
                    agent.id, UUID.randomUUID(), "simulated", clusters, List.of(), true),
                inventory.register(
                    agent.id, UUID.randomUUID(), "simulated", clusters, List.of(), true))
            .with((Map<String, UUID> a, Map<String, UUID> b) -> List.of(a, b))
            .await()
            .atMost(WAIT);
    assertThat(maps.get(0)).hasSize(20).isEqualTo(maps.get(1));
    assertThat(count("select count(*) from ClusterEntity where name like :p", prefix))
        .isEqualTo(20L);
    assertThat(
            count(
                "select count(*) from NodeGroupEntity g, ClusterEntity c"
                    + " where g.key.clusterId = c.id and c.name like :p",
                prefix))
        .isEqualTo(20L * 25);
  }

  private long count(String hql, String prefix) {
    return db.session(
            s ->
                s.createSelectionQuery(hql, Long.class)
                    .setParameter("p", prefix + "%")
                    .getSingleResult())
        .await()
        .atMost(WAIT);
  }
}
