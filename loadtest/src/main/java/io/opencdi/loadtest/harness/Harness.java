package io.opencdi.loadtest.harness;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Starts everything one load run needs and stops it again: an embedded PostgreSQL, one or more
 * gateway processes (the packaged {@code gateway/target/quarkus-app}) sharing it as an external
 * database, and one cluster agent process (the packaged {@code cluster-agent/target/quarkus-app})
 * serving a simulated fleet of the requested size. Every port is chosen free at run time. Logs, the
 * fleet file and JFR recordings stay in the run directory.
 */
public final class Harness implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");
  private static final Pattern WELCOMED = Pattern.compile("(?i)welcomed");
  private static final String TEMPLATE = "openbox-small";

  /**
   * Whether the load users get a desktop quota. Off by default: with a quota, the gateway's quota
   * query fails in PostgreSQL ("could not determine data type of parameter $3") and every creation
   * is refused; see loadtest/README.md.
   */
  private static final boolean QUOTA = Boolean.getBoolean("loadtest.quota");

  /**
   * Whether the database makes each commit durable (fsync and synchronous commits on), as {@code
   * ./opencdi up} does. On by default so that runs measure what users get; {@code
   * -Dloadtest.durable=false} trades it for speed, and the summary says which was measured.
   */
  private static final boolean DURABLE =
      Boolean.parseBoolean(System.getProperty("loadtest.durable", "true"));

  private final Settings settings;
  private final Map<String, String> agentConfig;
  private final List<JavaProcess> processes = new ArrayList<>();
  private final List<String> baseUrls = new ArrayList<>();
  private final Map<String, String> userTokens = new HashMap<>();
  private final List<String> usernames = new ArrayList<>();
  private final Operations operations;
  private final GraphQLClient client;
  private final Thread shutdownHook = new Thread(this::stopProcesses, "loadtest-harness-stop");
  private EmbeddedPostgres postgres;
  private String database = "not started";
  private String adminToken;
  private String templateId;
  private long templateCpuMillis;
  private long templateMemoryMiB;

  private Harness(Settings settings, Map<String, String> agentConfig) {
    this.settings = settings;
    this.agentConfig = Map.copyOf(agentConfig);
    this.operations = new Operations(settings.root());
    this.client = new GraphQLClient(operations);
  }

  /**
   * Starts the system for a run.
   *
   * @param quotaPerUser how many desktops each load user may own (their {@code maxDesktops}); set
   *     only with {@code -Dloadtest.quota=true}, see loadtest/README.md
   */
  public static Harness start(Settings settings, int quotaPerUser) {
    return start(settings, quotaPerUser, Map.of());
  }

  /**
   * Starts the system for a run whose agent gets extra configuration (system properties), e.g. a
   * shared display for the simulated desktops.
   */
  public static Harness start(
      Settings settings, int quotaPerUser, Map<String, String> agentConfig) {
    Harness h = new Harness(settings, agentConfig);
    Runtime.getRuntime().addShutdownHook(h.shutdownHook);
    try {
      h.startAll(quotaPerUser);
      return h;
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  private void startAll(int quotaPerUser) {
    Path run = settings.runDir();
    long t0 = System.nanoTime();
    log("run directory " + run);
    startPostgres(run.resolve("postgres"));
    Tokens tokens = Tokens.generate(run.resolve("keys"));
    String agentToken = randomToken();
    for (int i = 1; i <= settings.gateways(); i++) {
      // One after another: the first applies the migrations and seeds the admin and templates.
      startGateway(i, tokens, agentToken);
    }
    for (int a = 0; a < settings.agents(); a++) {
      startAgent(a, agentToken);
    }
    createUsers(tokens, quotaPerUser);
    awaitFleet();
    log(
        String.format(
            Locale.ROOT,
            "ready in %.1f s: %d gateway(s) %s, %d clusters x %d nodes, %d users (quota %s)",
            (System.nanoTime() - t0) / 1e9,
            settings.gateways(),
            baseUrls,
            settings.clusters(),
            settings.nodesPerCluster(),
            settings.users(),
            QUOTA ? quotaPerUser + " desktops each" : "none"));
  }

  private void startPostgres(Path dataDir) {
    try {
      Files.createDirectories(dataDir.getParent());
      postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(true)
              .setServerConfig("max_connections", "300")
              // Given after the library's own -F (fsync off), these win.
              .setServerConfig("fsync", DURABLE ? "on" : "off")
              .setServerConfig("synchronous_commit", DURABLE ? "on" : "off")
              .setServerConfig("full_page_writes", DURABLE ? "on" : "off")
              .setPGStartupWait(Duration.ofSeconds(60))
              // The server's own log beside the others: a deadlock's or a slow lock's detail
              // (which statements, which rows) is only there.
              .setServerConfig("log_lock_waits", "on")
              .setOutputRedirector(
                  ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("postgres.log").toFile()))
              .setErrorRedirector(
                  ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("postgres.log").toFile()))
              .start();
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "select current_setting('fsync'), current_setting('synchronous_commit')")) {
        rs.next();
        database =
            (DURABLE ? "durable" : "not durable (-Dloadtest.durable=false)")
                + ": fsync="
                + rs.getString(1)
                + ", synchronous_commit="
                + rs.getString(2);
        log("PostgreSQL on port " + postgres.getPort() + ", " + database);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL", e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void startGateway(int index, Tokens tokens, String agentToken) {
    String hostPort = "localhost:" + postgres.getPort() + "/postgres";
    Path dir = settings.runDir().resolve("gateway-" + index);
    List<String> args = new ArrayList<>();
    args.add("-Xmx" + System.getProperty("loadtest.gatewayHeap", "1g"));
    if (settings.profile()) {
      args.add(
          "-XX:StartFlightRecording=filename="
              + dir.resolve("gateway.jfr")
              + ",settings=profile,dumponexit=true");
    }
    args.add("-Dquarkus.profile=embedded");
    // Gateways start one after another before the agent, and the run waits for the whole fleet
    // itself (awaitFleet): readiness must not wait for the agent here.
    args.add("-Dopencdi.agents.ready-agent=");
    args.add("-Dquarkus.http.host=127.0.0.1");
    args.add("-Dquarkus.http.port=0");
    args.add("-Dopencdi.data-dir=" + dir);
    // The load users create far faster than a person would, and without -Dloadtest.quota own
    // as many desktops as the run makes: neither default quota nor creation rate applies here.
    args.add("-Dopencdi.quota.create-rate.burst=1000000");
    args.add("-Dopencdi.quota.create-rate.per-minute=100000000");
    if (!QUOTA) {
      args.add("-Dopencdi.quota.max-desktops=100000");
      args.add("-Dopencdi.quota.max-cpu-millis=100000000");
      args.add("-Dopencdi.quota.max-memory-mib=1000000000");
    }
    args.add("-Dquarkus.datasource.reactive.url=postgresql://" + hostPort);
    args.add("-Dquarkus.datasource.jdbc.url=jdbc:postgresql://" + hostPort);
    args.add("-Dquarkus.datasource.username=postgres");
    // SubscriptionFanOut opens its thousand consoles with the one admin token: lift the per-user
    // limit on GraphQL WebSocket operations (docs/api.md) that would refuse all but 256 of them.
    args.add("-Dopencdi.graphql.websocket.max-operations-per-user=100000");
    args.add("-Dopencdi.graphql.websocket.group-subscriptions=" + groupsSubscriptions(index));
    args.add("-Dmp.jwt.verify.publickey.location=" + tokens.publicKey().toUri());
    args.add("-Dsmallrye.jwt.sign.key.location=" + tokens.privateKey().toUri());
    Map<String, String> env = new HashMap<>();
    env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
    env.put("OPENCDI_AGENTS_BOOTSTRAP_TOKEN", agentToken);
    JavaProcess p =
        JavaProcess.start(
            "gateway-" + index,
            settings.root().resolve("gateway/target/quarkus-app/quarkus-run.jar"),
            args,
            env,
            dir.resolve("gateway.log"));
    processes.add(p);
    String port = p.awaitLog(LISTENING, Duration.ofMinutes(6));
    String base = "http://127.0.0.1:" + port;
    await(
        "gateway-" + index + " ready",
        Duration.ofMinutes(1),
        () -> client.ok(base + "/q/health/ready"));
    baseUrls.add(base);
    log("gateway-" + index + " at " + base + " (pid " + p.pid() + ", log " + p.log() + ")");
  }

  /**
   * The subscription engine of gateway {@code index} (1-based), from {@code -Dloadtest.engine}:
   * {@code grouped} (the default), {@code per-subscriber} (the engine before issue 14), or {@code
   * both}: gateway 1 grouped, the others per subscriber, to compare them in one run.
   */
  public static boolean groupsSubscriptions(int index) {
    return switch (System.getProperty("loadtest.engine", "grouped")) {
      case "grouped" -> true;
      case "per-subscriber" -> false;
      case "both" -> index == 1;
      default ->
          throw new IllegalArgumentException(
              "loadtest.engine must be grouped, per-subscriber or both");
    };
  }

  /**
   * Starts agent {@code index} (from 0) with its share of the fleet. Several agents share the
   * bootstrap token, so they are one agent with a link per process, each link announcing its own
   * clusters.
   */
  private static final String CLUSTER_SETTING = "opencdi.agent.simulated.shared-displays.";

  private void startAgent(int index, String agentToken) {
    String name = settings.agents() == 1 ? "agent" : "agent-" + (index + 1);
    Path dir = settings.runDir().resolve(name);
    Path fleet = dir.resolve("fleet.yaml");
    try {
      Files.createDirectories(dir);
      Files.writeString(fleet, Fleet.yaml(settings, index));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String gateway = baseUrls.get(index % baseUrls.size());
    List<String> args =
        new ArrayList<>(
            List.of(
                "-Xmx" + System.getProperty("loadtest.agentHeap", "768m"),
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=0",
                // An agent keeps one control channel, to a gateway in turn; commands from the
                // other replicas reach it through the database (LISTEN/NOTIFY), as in production.
                "-Dopencdi.agent.gateway-url=ws://127.0.0.1:" + port(gateway),
                "-Dopencdi.agent.fleet-file=" + fleet,
                // A viewer on another replica gets its tunnel dialled back to that replica's own
                // address, ws://localhost:PORT here (opencdi.connect.replica-url unset).
                "-Dopencdi.agent.dial-back-hosts=localhost",
                "-Dopencdi.agent.id=loadtest" + (settings.agents() == 1 ? "" : "-" + (index + 1))));
    // Settings that name a cluster (a shared display) go to the agent that serves it.
    List<String> own = Fleet.clustersOf(settings, index);
    agentConfig.forEach(
        (key, value) -> {
          if (!key.startsWith(CLUSTER_SETTING)
              || own.contains(key.substring(CLUSTER_SETTING.length()))) {
            args.add("-D" + key + "=" + value);
          }
        });
    JavaProcess p =
        JavaProcess.start(
            name,
            settings.root().resolve("cluster-agent/target/quarkus-app/quarkus-run.jar"),
            args,
            Map.of("OPENCDI_AGENT_TOKEN", agentToken),
            dir.resolve("agent.log"));
    processes.add(p);
    p.awaitLog(WELCOMED, Duration.ofMinutes(6));
    log(name + " welcomed (pid " + p.pid() + ", log " + p.log() + ")");
  }

  /**
   * Creates the load users directly in the database, as users first seen through an identity
   * provider are (no password), each with a desktop quota, and issues their tokens.
   */
  private void createUsers(Tokens tokens, int quotaPerUser) {
    try (Connection c = dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "insert into app_user (id, username, role, max_desktops) values (?, ?, 'user', ?)")) {
        for (int i = 1; i <= settings.users(); i++) {
          UUID id = UUID.randomUUID();
          String name = String.format(Locale.ROOT, "load-%05d", i);
          ps.setObject(1, id);
          ps.setString(2, name);
          if (QUOTA) {
            ps.setInt(3, quotaPerUser);
          } else {
            ps.setNull(3, java.sql.Types.INTEGER);
          }
          ps.addBatch();
          usernames.add(name);
          userTokens.put(name, tokens.issue(id, name, "user"));
        }
        ps.executeBatch();
      }
      c.commit();
      try (ResultSet rs =
          c.createStatement().executeQuery("select id from app_user where username = 'admin'")) {
        if (!rs.next()) {
          throw new IllegalStateException("the gateway did not seed the admin user");
        }
        adminToken = tokens.issue(rs.getObject(1, UUID.class), "admin", "admin");
      }
      try (PreparedStatement ps =
          c.prepareStatement("select id, cpu_millis, memory_mib from template where name = ?")) {
        ps.setString(1, TEMPLATE);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new IllegalStateException("the gateway did not seed template " + TEMPLATE);
          }
          templateId = rs.getObject(1, UUID.class).toString();
          templateCpuMillis = rs.getLong(2);
          templateMemoryMiB = rs.getLong(3);
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the load users", e);
    }
  }

  /** Waits until every gateway's placement snapshot has every cluster ready and feasible. */
  private void awaitFleet() {
    for (String base : baseUrls) {
      await(
          "all " + settings.clusters() + " clusters feasible on " + base,
          Duration.ofMinutes(6),
          () -> {
            JsonNode r =
                client.run(
                    base,
                    adminToken,
                    "placement",
                    "PlacementPreview",
                    Map.of("input", Map.of("templateId", templateId)));
            JsonNode clusters = r.path("data").path("placementPreview").path("clusters");
            int feasible = 0;
            for (JsonNode c : clusters) {
              feasible += c.path("feasible").asBoolean() ? 1 : 0;
            }
            return feasible == settings.clusters();
          });
    }
  }

  public Settings settings() {
    return settings;
  }

  public Operations operations() {
    return operations;
  }

  /** The gateways' base URLs (http://host:port); a simulation alternates between them. */
  /** How the run's database was set up (durability), for the summary. */
  public String database() {
    return database;
  }

  public List<String> baseUrls() {
    return List.copyOf(baseUrls);
  }

  public String adminToken() {
    return adminToken;
  }

  public List<String> usernames() {
    return List.copyOf(usernames);
  }

  public String token(String username) {
    return userTokens.get(username);
  }

  public String templateId() {
    return templateId;
  }

  public long templateCpuMillis() {
    return templateCpuMillis;
  }

  public long templateMemoryMiB() {
    return templateMemoryMiB;
  }

  /** The run's database, for the consistency check. */
  public DataSource dataSource() {
    return postgres.getPostgresDatabase();
  }

  /** The gateway processes, e.g. to read their memory. */
  public List<JavaProcess> gateways() {
    return processes.stream().filter(p -> p.name().startsWith("gateway")).toList();
  }

  /** The cluster agents' processes. */
  public List<JavaProcess> agents() {
    return processes.stream().filter(p -> p.name().startsWith("agent")).toList();
  }

  /** Fails when a process of the run has died. */
  public void assertAlive() {
    for (JavaProcess p : processes) {
      if (!p.alive()) {
        throw new IllegalStateException(p.name() + " died; see " + p.log() + "\n" + p.tail());
      }
    }
  }

  @Override
  public void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
    log("stopped; logs in " + settings.runDir());
  }

  private synchronized void stopProcesses() {
    // The agent first, so the gateways do not log its disconnect as a failure of theirs.
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    processes.clear();
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        log("PostgreSQL did not stop cleanly: " + e);
      }
      postgres = null;
    }
  }

  private static String port(String baseUrl) {
    return baseUrl.substring(baseUrl.lastIndexOf(':') + 1);
  }

  private static String randomToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      JavaProcess.sleep(500);
    }
    throw new IllegalStateException("timed out waiting for " + what, last);
  }

  static void log(String message) {
    System.out.println("[harness] " + message);
  }
}
