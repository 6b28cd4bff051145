package io.opencdi.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One gateway replica: the module's packaged application started as its own process against a
 * shared database, as several replicas run behind a load balancer. Available to integration tests
 * (the jar exists from the {@code package} phase on).
 */
public final class GatewayProcess implements AutoCloseable {
  private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

  private final ChildProcess process;
  private final int port;

  private GatewayProcess(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts a replica of the embedded profile (built-in users, seeded data) on a free port.
   *
   * @param config settings passed as system properties: the shared database and signing keys
   * @param agentToken bootstrap token for agents, passed through the environment
   */
  public static GatewayProcess start(String name, Map<String, String> config, String agentToken) {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException("the gateway is not packaged yet (" + JAR + ")");
    }
    try {
      int port = freePort();
      Path dir = Files.createTempDirectory("opencdi-" + name);
      Path log = dir.resolve("gateway.log");
      List<String> cmd = new ArrayList<>();
      cmd.add("-Xmx384m");
      cmd.add("-Dquarkus.profile=embedded");
      cmd.add("-Dquarkus.http.port=" + port);
      cmd.add("-Dopencdi.data-dir=" + dir);
      config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
      return new GatewayProcess(
          ChildProcess.start(
              JAR, cmd, Map.of("OPENCDI_AGENTS_BOOTSTRAP_TOKEN", agentToken), log, 20),
          port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts the gateway exactly as {@code ./opencdi up} does: no database configured, so it starts
   * the embedded PostgreSQL in {@code dataDir} itself (durable, as in production use).
   */
  public static GatewayProcess startEmbedded(String name, Path dataDir, String agentToken) {
    return startEmbedded(name, dataDir, agentToken, Map.of());
  }

  /** {@link #startEmbedded(String, Path, String)} with settings passed as system properties. */
  public static GatewayProcess startEmbedded(
      String name, Path dataDir, String agentToken, Map<String, String> config) {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException("the gateway is not packaged yet (" + JAR + ")");
    }
    try {
      int port = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add("-Xmx384m");
      cmd.add("-Dquarkus.profile=embedded");
      cmd.add("-Dquarkus.http.port=" + port);
      cmd.add("-Dopencdi.data-dir=" + dataDir);
      config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
      Files.createDirectories(dataDir);
      Path log = Files.createTempFile("opencdi-" + name, ".log");
      return new GatewayProcess(
          ChildProcess.start(
              JAR, cmd, Map.of("OPENCDI_AGENTS_BOOTSTRAP_TOKEN", agentToken), log, 20),
          port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** The display URL of a ticket for {@code desktopId}, asked of this replica as {@code token}. */
  public String displayTicket(String token, String desktopId) {
    io.restassured.path.json.JsonPath r =
        GraphQL.runAt(port, token, "connect", "ConnectDesktop", "id", desktopId);
    String url = r.getString("data.connectDesktop.url");
    org.assertj.core.api.Assertions.assertThat(url).as(r.prettify()).isNotNull();
    return url;
  }

  /** {@code url} as a load balancer would route it: to this replica. */
  public String routed(String url) {
    return "ws://localhost:" + port + java.net.URI.create(url).getRawPath();
  }

  /** The Origin a page this replica served sends. */
  public String origin() {
    return "http://localhost:" + port;
  }

  /** Waits until the replica answers its readiness check. */
  public GatewayProcess awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway exited:\n" + log());
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return this;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("gateway not ready in " + timeout + ":\n" + log());
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the gateway with SIGKILL, as a crash or the OOM killer would. */
  public void kill() throws InterruptedException {
    process.kill();
  }

  /** The replica's output so far, for failure messages. */
  public String log() {
    return process.log();
  }

  @Override
  public void close() {
    process.close();
  }
}
