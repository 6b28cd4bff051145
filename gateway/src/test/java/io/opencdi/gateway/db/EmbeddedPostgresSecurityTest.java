package io.opencdi.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.gateway.auth.KeyMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded database started exactly as the gateway's main starts it (durable, keys beside it),
 * attacked from this host: raw PostgreSQL connections as the superuser and as the application role
 * without or with a wrong password, the application role trying to read the signing key and write
 * files, and the desktops' user (nobody) trying to read the secrets on disk.
 */
class EmbeddedPostgresSecurityTest {
  private static final int NOBODY = 65534;
  private static Path dir;
  private static EmbeddedPostgres postgres;
  private static Path signingKey;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("opencdi-db-security");
    postgres = EmbeddedPostgres.start(dir.resolve("postgres"), false);
    signingKey =
        Path.of(
            java.net.URI.create(
                KeyMaterial.ensure(dir.resolve("keys")).get("smallrye.jwt.sign.key.location")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
    new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
  }

  private static Connection connect(String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(postgres.jdbcUrl(), props);
  }

  private static int roles() throws SQLException {
    try (Connection c = connect(EmbeddedPostgres.ROLE, postgres.password());
        var rs = c.createStatement().executeQuery("select count(*) from pg_roles")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void theSuperuserCannotConnectWithOrWithoutAPassword() {
    for (String password : new String[] {null, "", "postgres"}) {
      assertThatThrownBy(() -> connect("postgres", password).close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("no pg_hba.conf entry");
    }
    for (String database : List.of("template1", "postgres")) {
      String url = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + database;
      assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "").close())
          .isInstanceOf(SQLException.class);
    }
  }

  @Test
  void theApplicationRoleNeedsItsPassword() {
    assertThatThrownBy(() -> connect(EmbeddedPostgres.ROLE, null).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08004"));
    assertThatThrownBy(() -> connect(EmbeddedPostgres.ROLE, "wrong-" + postgres.password()).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
  }

  @Test
  void theApplicationRoleCannotReadFilesWriteFilesOrMakeRoles() throws Exception {
    int rolesBefore = roles();
    Path planted = dir.resolve("planted");
    try (Connection c = connect(EmbeddedPostgres.ROLE, postgres.password());
        Statement s = c.createStatement()) {
      try (var rs =
          s.executeQuery(
              "select rolsuper, rolcreaterole from pg_roles where rolname = current_user")) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("superuser").isFalse();
        assertThat(rs.getBoolean(2)).as("may create roles").isFalse();
      }
      assertRefused(s, "select pg_read_file('" + signingKey + "')");
      assertRefused(s, "copy (select 'x') to '" + planted + "'");
      assertRefused(s, "copy (select 1) to program 'touch " + planted + "'");
      assertRefused(s, "create role intruder superuser login password 'x'");
      assertRefused(s, "alter role " + EmbeddedPostgres.ROLE + " superuser");
    }
    assertThat(planted).doesNotExist();
    assertThat(roles()).isEqualTo(rolesBefore);
  }

  private static void assertRefused(Statement s, String sql) {
    assertThatThrownBy(() -> s.execute(sql))
        .as(sql)
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
  }

  @Test
  void itIsDurableAndListensOnLoopbackTcpOnly() throws SQLException, IOException {
    try (Connection c = connect(EmbeddedPostgres.ROLE, postgres.password());
        Statement s = c.createStatement()) {
      assertThat(show(s, "fsync")).isEqualTo("on");
      assertThat(show(s, "synchronous_commit")).isEqualTo("on");
      assertThat(show(s, "full_page_writes")).isEqualTo("on");
      assertThat(show(s, "listen_addresses")).isEqualTo("127.0.0.1");
    }
    // No Unix socket anywhere: every connection goes through the password check.
    assertThat(Files.readString(Path.of("/proc/net/unix")))
        .doesNotContain(".s.PGSQL." + postgres.port());
  }

  private static String show(Statement s, String setting) throws SQLException {
    try (var rs = s.executeQuery("show " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void secretsAreTheGatewayUsersAlone() throws IOException {
    int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    for (Path secret :
        List.of(EmbeddedPostgres.passwordFile(dir.resolve("postgres")), signingKey)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
          .as(secret.toString())
          .isEqualTo("rw-------");
      assertThat(Files.getAttribute(secret, "unix:uid")).as(secret.toString()).isEqualTo(self);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(signingKey.getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void theDesktopsUserCannotReadThePasswordOrTheSigningKey() throws Exception {
    assumeTrue(runningAsRoot(), "only root can act as the desktops' user");
    // The directories a desktop must traverse to reach its home are opened, as under ./opencdi up.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    for (Path secret :
        List.of(EmbeddedPostgres.passwordFile(dir.resolve("postgres")), signingKey)) {
      Process cat =
          new ProcessBuilder(
                  "setpriv",
                  "--reuid=" + NOBODY,
                  "--regid=" + NOBODY,
                  "--clear-groups",
                  "cat",
                  secret.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(cat.exitValue()).as(secret + ": " + out).isNotZero();
      assertThat(out).contains("Permission denied");
    }
  }

  @Test
  void startedAsRootItsProcessesRunAsTheDatabaseUser() throws IOException {
    assumeTrue(runningAsRoot(), "the switch of user happens only when the gateway is root");
    List<ProcessHandle> processes =
        java.util.stream.Stream.concat(
                ProcessHandle.of(postgres.pid()).stream(),
                ProcessHandle.of(postgres.pid()).stream().flatMap(ProcessHandle::descendants))
            .toList();
    assertThat(processes).hasSizeGreaterThan(1);
    int checked = 0;
    for (ProcessHandle p : processes) {
      String status;
      try {
        status = Files.readString(Path.of("/proc", "" + p.pid(), "status"));
      } catch (java.nio.file.NoSuchFileException gone) {
        // A short-lived backend (autovacuum worker, a connection's backend) ended meanwhile.
        continue;
      }
      checked++;
      String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
      int[] ids =
          java.util.Arrays.stream(uids.substring(4).trim().split("\\s+"))
              .mapToInt(Integer::parseInt)
              .toArray();
      for (int id : ids) {
        assertThat(id).as("pid " + p.pid() + " " + uids).isNotIn(0, NOBODY);
      }
    }
    // The postmaster itself never exits while the test runs, so at least it was read.
    assertThat(checked).isPositive();
  }

  private static boolean runningAsRoot() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
  }
}
