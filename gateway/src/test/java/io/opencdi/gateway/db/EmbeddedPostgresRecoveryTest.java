package io.opencdi.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL still running on the cluster when the next start comes (left by a crashed
 * predecessor) is stopped, and the next start finds everything committed before.
 */
class EmbeddedPostgresRecoveryTest {
  @Test
  void aStartStopsAPostmasterLeftOnItsClusterAndKeepsTheData() throws Exception {
    Path dir = Files.createTempDirectory("opencdi-db-recovery");
    Path cluster = dir.resolve("postgres");
    EmbeddedPostgres first = EmbeddedPostgres.start(cluster, false);
    try (Connection c =
        DriverManager.getConnection(first.jdbcUrl(), EmbeddedPostgres.ROLE, first.password())) {
      c.createStatement().execute("create table kept (v text)");
      c.createStatement().execute("insert into kept values ('committed before the crash')");
    }
    ProcessHandle stray = ProcessHandle.of(first.pid()).orElseThrow();

    // Never closed: the next start finds its postmaster holding the cluster.
    try (EmbeddedPostgres second = EmbeddedPostgres.start(cluster, false)) {
      assertThat(stray.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
      assertThat(second.pid()).isNotEqualTo(stray.pid());
      try (Connection c =
              DriverManager.getConnection(
                  second.jdbcUrl(), EmbeddedPostgres.ROLE, second.password());
          var rs = c.createStatement().executeQuery("select v from kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("committed before the crash");
      }
    } finally {
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClusterFromAnOlderVersionKeepsItsDataAndPassesToTheApplicationRole() throws Exception {
    Path dir = Files.createTempDirectory("opencdi-db-upgrade");
    Path cluster = dir.resolve("postgres");
    // How earlier versions ran it: the superuser, trusted on loopback, owning every table.
    try (var old =
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setDataDirectory(cluster)
                .setCleanDataDirectory(false)
                .start();
        Connection c = old.getPostgresDatabase().getConnection()) {
      c.createStatement().execute("create table kept (v text)");
      c.createStatement().execute("insert into kept values ('from the older version')");
    }
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(cluster, false);
        Connection c =
            DriverManager.getConnection(
                postgres.jdbcUrl(), EmbeddedPostgres.ROLE, postgres.password())) {
      c.createStatement().execute("insert into kept values ('written by the application role')");
      try (var rs = c.createStatement().executeQuery("select count(*) from kept")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    } finally {
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
