package io.opencdi.loadtest.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consistency check against a real PostgreSQL with the gateway's own migrations: it passes on a
 * consistent inventory and names each kind of violation it exists to find.
 */
class ConsistencyCheckTest {
  private static EmbeddedPostgres postgres;
  private static final UUID CLUSTER = UUID.randomUUID();
  private static final UUID USER = UUID.randomUUID();
  private static final UUID TEMPLATE = UUID.randomUUID();

  @BeforeAll
  static void database() throws IOException, SQLException {
    postgres = EmbeddedPostgres.builder().start();
    Path migrations = Path.of("..", "gateway", "src", "main", "resources", "db", "migration");
    List<Path> files;
    try (Stream<Path> s = Files.list(migrations)) {
      files =
          s.filter(p -> p.getFileName().toString().matches("V\\d+__.*\\.sql"))
              .sorted((a, b) -> Integer.compare(version(a), version(b)))
              .toList();
    }
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      for (Path f : files) {
        st.execute(Files.readString(f));
      }
    }
  }

  private static int version(Path p) {
    String name = p.getFileName().toString();
    return Integer.parseInt(name.substring(1, name.indexOf("__")));
  }

  @AfterAll
  static void stop() throws IOException {
    postgres.close();
  }

  @BeforeEach
  void inventory() throws SQLException {
    sql(
        "delete from desktop",
        "delete from node_group",
        "delete from cluster",
        "delete from agent",
        "delete from template",
        "delete from app_user",
        "insert into app_user (id, username, role) values ('" + USER + "', 'load-1', 'user')",
        "insert into template (id, name, image, cpu_millis, memory_mib, runtime_class,"
            + " storage_class, home_volume_gib) values ('"
            + TEMPLATE
            + "', 't', 'img', 1000, 2048, 'runc', 'longhorn', 10)",
        "insert into agent (id, name, token_hash) values ('" + UUID.randomUUID() + "', 'a', 'h')",
        "insert into cluster (id, name, agent_id, runtime, region, zone) select '"
            + CLUSTER
            + "', 'c1', id, 'simulated', 'r', 'z' from agent",
        // Room for two desktops of 1 CPU: 4 CPUs, 1.5 of them used by other workloads.
        "insert into node_group (cluster_id, name, arch, cpu_millis, memory_mib, max_desktops,"
            + " external_cpu_millis) values ('"
            + CLUSTER
            + "', 'n1', 'amd64', 4000, 65536, 110, 1500)");
  }

  @Test
  void passesOnAConsistentInventory() throws SQLException {
    Ledger ledger = new Ledger();
    ledger.created("r1", "load-1", desktop("r1", "RUNNING"));
    ledger.created("r2", "load-1", desktop("r2", "RUNNING"));
    ledger.refused("r3", "load-1", "UNSCHEDULABLE", "no room");
    reserve(2);

    ConsistencyCheck.Report report = check(ledger);

    assertThat(report.violations()).isEmpty();
    assertThat(report.desktopsByState()).containsEntry("RUNNING", 2L);
  }

  @Test
  void findsAnOverCommittedNodeGroup() throws SQLException {
    Ledger ledger = new Ledger();
    for (String r : List.of("r1", "r2", "r3")) {
      ledger.created(r, "load-1", desktop(r, "RUNNING"));
    }
    reserve(3);

    assertThat(check(ledger).violations())
        .anyMatch(v -> v.contains("node group c1/n1: over-committed"))
        .anyMatch(v -> v.contains("cluster c1 over-committed"));
  }

  @Test
  void findsCountersThatDisagreeWithTheDesktops() throws SQLException {
    Ledger ledger = new Ledger();
    ledger.created("r1", "load-1", desktop("r1", "RUNNING"));
    // A stopped desktop whose capacity was never given back.
    ledger.created("r2", "load-1", desktop("r2", "STOPPED"));
    reserve(2);

    assertThat(check(ledger).violations()).anyMatch(v -> v.contains("reservation counters"));
  }

  @Test
  void findsLostDuplicatedAndWronglyCreatedDesktops() throws SQLException {
    Ledger ledger = new Ledger();
    ledger.created("lost", "load-1", UUID.randomUUID().toString());
    ledger.refused("refused", "load-1", "UNSCHEDULABLE", "no room");
    desktop("refused", "RUNNING");
    desktop(null, "RUNNING");
    reserve(2);

    assertThat(check(ledger).violations())
        .anyMatch(v -> v.startsWith("1 desktops lost"))
        .anyMatch(v -> v.startsWith("1 refused requests created a desktop"))
        .anyMatch(v -> v.startsWith("1 desktops exist that no request of the run created"));
  }

  @Test
  void findsStartsTheAgentRefusedForLackOfRoom() throws SQLException {
    Ledger ledger = new Ledger();
    String id = desktop("r1", "FAILED");
    sql("update desktop set status_reason = 'node c1-node-001 has no room for desktop " + id + "'");
    ledger.created("r1", "load-1", id);

    assertThat(check(ledger).violations()).anyMatch(v -> v.contains("no room"));
  }

  @Test
  void findsDesktopsThatNeverSettle() throws SQLException {
    Ledger ledger = new Ledger();
    ledger.created("r1", "load-1", desktop("r1", "STARTING"));
    reserve(1);

    assertThat(
            new ConsistencyCheck(postgres.getPostgresDatabase())
                .run(ledger, Duration.ZERO)
                .violations())
        .anyMatch(v -> v.contains("still in a transient state"));
  }

  private ConsistencyCheck.Report check(Ledger ledger) throws SQLException {
    return new ConsistencyCheck(postgres.getPostgresDatabase()).run(ledger, Duration.ofSeconds(1));
  }

  /** Inserts a desktop of 1 CPU / 2 GiB on c1/n1 and returns its id. */
  private static String desktop(String requestId, String state) throws SQLException {
    UUID id = UUID.randomUUID();
    sql(
        "insert into desktop (id, name, owner_id, template_id, state, power, cluster_id,"
            + " node_group, image, cpu_millis, memory_mib, runtime_class, storage_class,"
            + " home_volume_gib, request_id) values ('"
            + id
            + "', 'd', '"
            + USER
            + "', '"
            + TEMPLATE
            + "', '"
            + state
            + "', 'ON', '"
            + CLUSTER
            + "', 'n1', 'img', 1000, 2048, 'runc', 'longhorn', 10, "
            + (requestId == null ? "null" : "'" + requestId + "'")
            + ")");
    return id.toString();
  }

  /** Sets the node group's reservation counters to {@code n} desktops of 1 CPU / 2 GiB. */
  private static void reserve(int n) throws SQLException {
    sql(
        "update node_group set used_cpu_millis = "
            + 1000 * n
            + ", used_memory_mib = "
            + 2048 * n
            + ", used_desktops = "
            + n);
  }

  private static void sql(String... statements) throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }
}
