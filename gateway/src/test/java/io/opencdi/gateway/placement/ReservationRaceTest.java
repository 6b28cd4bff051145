package io.opencdi.gateway.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.placement.model.Placement;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The race of {@link OverCommitTest} on the database alone: sixteen transactions, each on its own
 * connection as sixteen batches of several replicas would be, reserve a desktop's room on one node
 * group with room for four. With the reservation the pipeline uses, exactly four get it; the same
 * race with the condition taken out of the update (written here, in the test) over-commits the
 * group, which shows that the condition, not timing or a lock elsewhere, is what keeps it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ReservationRaceTest {
  private static final int RACERS = 16;
  private static final int ROOM = 4;
  private static final String UNCONDITIONAL =
      "update node_group set used_cpu_millis = used_cpu_millis + $3,"
          + " used_memory_mib = used_memory_mib + $4, used_desktops = used_desktops + 1"
          + " where cluster_id = $1 and name = $2 returning cluster_id";

  @Inject Pool pool;
  @Inject Reservations reservations;

  private final UUID cluster = UUID.randomUUID();

  @BeforeEach
  void aNodeGroupWithRoomForFour() {
    pool.preparedQuery(
            "insert into cluster (id, name, runtime, region, zone) values ($1, $2, 'test', 'r',"
                + " 'z')")
        .execute(Tuple.of(cluster, "race-" + cluster))
        .flatMap(
            v ->
                pool.preparedQuery(
                        "insert into node_group (cluster_id, name, arch, cpu_millis, memory_mib,"
                            + " max_desktops) values ($1, 'ng', 'amd64', $2, 65536, 110)")
                    .execute(Tuple.of(cluster, ROOM * 2000L)))
        .await()
        .atMost(Duration.ofSeconds(30));
  }

  @AfterEach
  void removeIt() {
    pool.preparedQuery("delete from cluster where id = $1")
        .execute(Tuple.of(cluster))
        .await()
        .atMost(Duration.ofSeconds(30));
  }

  @Test
  void theConditionalReservationGrantsExactlyTheRoomThereIs() {
    Placement group = new Placement(cluster.toString(), "ng");
    int granted =
        race(
            () ->
                pool.withTransaction(
                    tx ->
                        reservations
                            .reserveAll(tx, List.of(new Reservations.Want(group, 2000, 1024)))
                            .map(Set::isEmpty)));

    assertThat(granted).isEqualTo(ROOM);
    assertThat(used()).isEqualTo(ROOM * 2000L);
  }

  @Test
  void withoutItsConditionTheSameRaceOverCommits() {
    int granted =
        race(
            () ->
                pool.withTransaction(
                    tx ->
                        tx.preparedQuery(UNCONDITIONAL)
                            .execute(Tuple.of(cluster, "ng", 2000L, 1024L))
                            .map(rows -> rows.rowCount() == 1)));

    assertThat(granted).isGreaterThan(ROOM);
    assertThat(used()).isGreaterThan(ROOM * 2000L);
  }

  /** Runs the reservation {@link #RACERS} times at once; how many were granted. */
  private int race(java.util.function.Supplier<Uni<Boolean>> reserve) {
    List<Uni<Boolean>> all = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      all.add(Uni.createFrom().deferred(reserve::get));
    }
    List<?> results = Uni.join().all(all).andFailFast().await().atMost(Duration.ofSeconds(60));
    return (int) results.stream().filter(Boolean.TRUE::equals).count();
  }

  private long used() {
    return pool.preparedQuery("select used_cpu_millis from node_group where cluster_id = $1")
        .execute(Tuple.of(cluster))
        .await()
        .atMost(Duration.ofSeconds(30))
        .iterator()
        .next()
        .getLong(0);
  }
}
