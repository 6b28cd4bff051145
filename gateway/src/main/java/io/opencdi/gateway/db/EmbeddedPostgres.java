package io.opencdi.gateway.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The embedded default database: a real PostgreSQL from the binaries on Maven Central, its cluster
 * kept on disk so that nothing is lost across restarts.
 *
 * <p>It trusts nobody on this host: it listens on 127.0.0.1 only (no Unix socket) and accepts one
 * role, {@value #ROLE}, which is not a superuser, with a SCRAM password generated at first start
 * and kept beside the cluster, readable by the gateway's user alone. Started as root, its processes
 * run as the unprivileged system user {@link DatabaseUser} and are handed their data directory as
 * working directory, so that directories above it (a checkout in root's home) need not be open to
 * that user. The postmaster is a child of the gateway that receives a fast-shutdown signal when the
 * gateway dies, however it dies; a postmaster left running on the same cluster by an older version
 * is stopped before starting.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  /** The application's role; owner of the database {@value #DATABASE}, nothing more. */
  public static final String ROLE = "opencdi";

  public static final String DATABASE = "postgres";
  private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
  private static final Duration STARTUP = Duration.ofSeconds(90);
  private static final Duration STOP = Duration.ofSeconds(15);

  private final Path dataDir;
  private final int port;
  private final String password;
  private final Process postmaster;
  private final boolean clean;

  private EmbeddedPostgres(
      Path dataDir, int port, String password, Process postmaster, boolean clean) {
    this.dataDir = dataDir;
    this.port = port;
    this.password = password;
    this.postmaster = postmaster;
    this.clean = clean;
  }

  /**
   * Starts a durable PostgreSQL on {@code dataDir} (fsync and synchronous commits on); an existing
   * cluster there is reused, a missing one is created.
   *
   * @param clean start from an empty cluster (tests)
   */
  public static EmbeddedPostgres start(Path dataDir, boolean clean) {
    return start(dataDir, clean, true);
  }

  /**
   * Starts PostgreSQL on {@code dataDir}.
   *
   * @param clean start from an empty cluster (tests)
   * @param durable whether a commit reaches the disk before it is acknowledged; only tests, whose
   *     data is thrown away, may trade that for speed
   */
  public static EmbeddedPostgres start(Path dataDir, boolean clean, boolean durable) {
    try {
      dataDir = dataDir.toAbsolutePath().normalize();
      Files.createDirectories(dataDir.getParent());
      PostgresBinaries binaries = PostgresBinaries.extract();
      DatabaseUser user = DatabaseUser.resolve();
      StrayPostmaster.stop(dataDir, STOP);
      if (clean) {
        deleteTree(dataDir);
        Files.deleteIfExists(passwordFile(dataDir));
      }
      if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
        Files.createDirectories(dataDir);
        user.own(dataDir);
        run(
            binaries,
            user,
            dataDir,
            null,
            "initdb",
            "-D",
            "/proc/self/cwd",
            "-U",
            "postgres",
            "-A",
            "reject",
            "-E",
            "UTF-8",
            "--locale=C",
            "--no-instructions");
      } else {
        user.own(dataDir);
      }
      String password = ensurePassword(passwordFile(dataDir));
      writeHba(dataDir, user);
      // Single-user mode, before any port is open: the role, its password and its ownership.
      run(
          binaries,
          user,
          dataDir,
          setupSql(password),
          "postgres",
          "--single",
          "-D",
          "/proc/self/cwd",
          "-c",
          "exit_on_error=on",
          DATABASE);
      int port = freePort();
      List<String> args = new ArrayList<>(List.of("-D", "/proc/self/cwd", "-p", "" + port));
      serverConfig(durable).forEach((k, v) -> args.addAll(List.of("-c", k + "=" + v)));
      Process postmaster =
          spawn(binaries, user, dataDir, logFile(dataDir), "postgres", args.toArray(String[]::new));
      EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, port, password, postmaster, clean);
      postgres.awaitReady();
      LOG.infof(
          "embedded PostgreSQL on 127.0.0.1:%d (pid %d, as %s, %s), log %s",
          port, postmaster.pid(), user, durable ? "durable" : "fsync off", logFile(dataDir));
      return postgres;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
    }
  }

  private static Map<String, String> serverConfig(boolean durable) {
    String onOff = durable ? "on" : "off";
    return Map.of(
        "listen_addresses", "127.0.0.1",
        "unix_socket_directories", "",
        "password_encryption", "scram-sha-256",
        // More connections than the default 100: several gateways may share one database.
        "max_connections", "300",
        "fsync", onOff,
        "synchronous_commit", onOff,
        "full_page_writes", onOff);
  }

  /** Idempotent: run on every start, so a cluster from an older version is brought in line. */
  private static String setupSql(String password) {
    return String.join(
        "\n",
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
            + ROLE
            + "') THEN CREATE ROLE "
            + ROLE
            + "; END IF; END$$;",
        "ALTER ROLE "
            + ROLE
            + " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            + " PASSWORD '"
            + password
            + "';",
        "ALTER DATABASE " + DATABASE + " OWNER TO " + ROLE + ";",
        // Tables made by an older version, which ran everything as the superuser.
        "DO $$DECLARE r record; BEGIN FOR r IN SELECT c.oid::regclass AS t FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            + " AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> '"
            + ROLE
            + "' LOOP EXECUTE format('ALTER TABLE %s OWNER TO "
            + ROLE
            + "', r.t); END LOOP; END$$;",
        "");
  }

  /** Only the application's role, only over loopback TCP, only with its SCRAM password. */
  private static void writeHba(Path dataDir, DatabaseUser user) throws IOException {
    Path hba = dataDir.resolve("pg_hba.conf");
    Files.writeString(
        hba,
        "# Written by the gateway on every start: anything not listed is refused.\n"
            + "host "
            + DATABASE
            + " "
            + ROLE
            + " 127.0.0.1/32 scram-sha-256\n");
    Files.setPosixFilePermissions(hba, PosixFilePermissions.fromString("rw-------"));
    user.own(hba);
  }

  static Path passwordFile(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + "-password");
  }

  private static Path logFile(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  private static String ensurePassword(Path file) throws IOException {
    if (Files.exists(file)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return Files.readString(file).trim();
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path tmp = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, password);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return password;
  }

  /** Runs a PostgreSQL program to its end as the database user, in {@code dataDir}. */
  private static void run(
      PostgresBinaries binaries,
      DatabaseUser user,
      Path dataDir,
      String stdin,
      String program,
      String... args)
      throws IOException {
    Path log = logFile(dataDir);
    Process p = spawn(binaries, user, dataDir, log, program, args);
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      if (!p.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(program + " did not finish; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(program + " failed (exit " + p.exitValue() + "); see " + log);
    }
  }

  /**
   * Starts a PostgreSQL program as the database user with {@code dataDir} as working directory. The
   * program is spawned from a thread that lives as long as it does: the parent-death signal, set
   * after the switch of user, fires when that thread ends, which is when the gateway's process
   * ends.
   */
  private static Process spawn(
      PostgresBinaries binaries,
      DatabaseUser user,
      Path dataDir,
      Path log,
      String program,
      String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(user.command());
    cmd.add(binaries.program(program).toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("OPENCDI"));
    pb.environment().put("LC_ALL", "C");
    CompletableFuture<Process> started = new CompletableFuture<>();
    Thread owner =
        new Thread(
            () -> {
              Process p;
              try {
                p = pb.start();
              } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
                return;
              }
              started.complete(p);
              while (p.isAlive()) {
                try {
                  p.waitFor();
                } catch (InterruptedException ignored) {
                  // Only the child's end ends this thread.
                }
              }
            },
            "postgres-" + program + "-parent");
    owner.setDaemon(true);
    owner.start();
    try {
      return started.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!postmaster.isAlive()) {
        throw new IOException(
            "PostgreSQL stopped (exit " + postmaster.exitValue() + "); see " + logFile(dataDir));
      }
      Properties props = new Properties();
      props.setProperty("user", ROLE);
      props.setProperty("password", password);
      props.setProperty("connectTimeout", "2");
      try (var c = DriverManager.getConnection(jdbcUrl(), props)) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    close();
    throw new IOException("PostgreSQL not ready in " + STARTUP + "; see " + logFile(dataDir), last);
  }

  public int port() {
    return port;
  }

  /** The application role's password; the gateway's user alone may read it. */
  public String password() {
    return password;
  }

  /** Process id of the postmaster. */
  public long pid() {
    return postmaster.pid();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** Quarkus datasource configuration pointing at this database. */
  public Map<String, String> datasourceConfig() {
    String hostPort = "127.0.0.1:" + port + "/" + DATABASE;
    return Map.of(
        "quarkus.datasource.reactive.url",
        "postgresql://" + hostPort,
        "quarkus.datasource.jdbc.url",
        "jdbc:postgresql://" + hostPort,
        "quarkus.datasource.username",
        ROLE,
        "quarkus.datasource.password",
        password);
  }

  /**
   * Fast shutdown: open transactions are rolled back, committed ones are already on disk. A clean
   * (test) cluster is deleted afterwards.
   */
  @Override
  public void close() {
    if (postmaster.isAlive()) {
      StrayPostmaster.signalAndWait(postmaster.toHandle(), STOP);
    }
    if (clean) {
      try {
        deleteTree(dataDir);
        Files.deleteIfExists(passwordFile(dataDir));
      } catch (IOException e) {
        LOG.warnf("cannot delete %s: %s", dataDir, e);
      }
    }
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
