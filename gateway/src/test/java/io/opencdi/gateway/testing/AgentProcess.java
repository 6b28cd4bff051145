package io.opencdi.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;

/**
 * A real cluster agent (the cluster-agent module's packaged application) running as its own process
 * with the simulated runtime, dialling into the gateway under test as in production.
 */
public final class AgentProcess implements AutoCloseable {
  private static final Path JAR =
      Path.of("..", "cluster-agent", "target", "quarkus-app", "quarkus-run.jar");

  private final ChildProcess process;

  private AgentProcess(ChildProcess process) {
    this.process = process;
  }

  /** Starts an agent serving the fleet described by {@code fleetYaml}. */
  public static AgentProcess start(int gatewayPort, String token, String fleetYaml, String id) {
    return start(gatewayPort, token, fleetYaml, id, Map.of());
  }

  /**
   * Starts an agent of the {@code local} runtime (real desktops on this host, an Openbox session,
   * 16 CPUs, storage class {@code longhorn}) serving {@code cluster} in {@code region}, its
   * desktops under {@code dataDir}, with {@code extra} settings on top (e.g. the screen's
   * geometry).
   */
  public static AgentProcess local(
      int gatewayPort,
      String id,
      String cluster,
      String region,
      Path dataDir,
      Map<String, String> extra) {
    Map<String, String> settings = new java.util.HashMap<>();
    settings.put("opencdi.agent.runtime", "local");
    settings.put("opencdi.agent.local.cluster-name", cluster);
    settings.put("opencdi.agent.local.region", region);
    settings.put("opencdi.agent.local.cpu-millis", "16000");
    settings.put("opencdi.agent.local.storage-classes", "longhorn");
    settings.put("opencdi.agent.local.session", "openbox");
    settings.put("opencdi.agent.local.data-dir", dataDir.toString());
    settings.putAll(extra);
    return start(gatewayPort, PostgresResource.AGENT_TOKEN, "clusters: []\n", id, settings);
  }

  /** Starts an agent with extra {@code -D} settings, e.g. a runtime's options. */
  public static AgentProcess start(
      int gatewayPort, String token, String fleetYaml, String id, Map<String, String> settings) {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(
          "the cluster agent is not built: run ./mvnw verify from the project root (" + JAR + ")");
    }
    try {
      Path dir = Files.createTempDirectory("opencdi-agent");
      Path fleet = dir.resolve("fleet.yaml");
      Files.writeString(fleet, fleetYaml);
      Path log = dir.resolve("agent.log");
      List<String> cmd = new ArrayList<>();
      cmd.add("-Xmx256m");
      cmd.add("-Dquarkus.http.port=0");
      cmd.add("-Dopencdi.agent.gateway-url=ws://localhost:" + gatewayPort);
      cmd.add("-Dopencdi.agent.fleet-file=" + fleet);
      cmd.add("-Dopencdi.agent.id=" + id);
      cmd.add("-Dopencdi.agent.simulated.start-latency-min=50ms");
      cmd.add("-Dopencdi.agent.simulated.start-latency-max=150ms");
      cmd.add("-Dopencdi.agent.simulated.stop-latency-min=20ms");
      cmd.add("-Dopencdi.agent.simulated.stop-latency-max=60ms");
      cmd.add("-Dopencdi.agent.reconnect.min-delay=100ms");
      cmd.add("-Dopencdi.agent.reconnect.max-delay=1s");
      settings.forEach((key, value) -> cmd.add("-D" + key + "=" + value));
      return new AgentProcess(
          ChildProcess.start(JAR, cmd, Map.of("OPENCDI_AGENT_TOKEN", token), log, 10));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the gateway lists each of {@code clusters} as ready, failing with the agent's log.
   * Generous: on a loaded build machine the agent's JVM alone may take a minute to start.
   */
  public void awaitReady(String adminToken, String... clusters) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(180))
        .untilAsserted(
            () ->
                Assertions.assertThat(
                        GraphQL.run(adminToken, "clusters", "Clusters")
                            .getList("data.clusters.findAll { it.ready }.name", String.class))
                    .as(this::log)
                    .contains(clusters));
  }

  /** What the agent printed, for failure messages. */
  public String log() {
    return process.log();
  }

  @Override
  public void close() {
    process.close();
  }
}
