package io.opencdi.gateway.testing;

import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real agent serving one simulated cluster whose running desktops all show one real TigerVNC
 * server: what the display tests need to reach pixels through the broker without starting a desktop
 * each. Templates made here are plain openbox desktops with the fields each test adds.
 */
public final class SharedDisplayFleet implements AutoCloseable {
  private static final Duration RUNNING = Duration.ofSeconds(30);

  private final String cluster;
  private final String region;
  private final Xvnc xvnc;
  private final AgentProcess agent;

  private SharedDisplayFleet(String cluster, String region, Xvnc xvnc, AgentProcess agent) {
    this.cluster = cluster;
    this.region = region;
    this.xvnc = xvnc;
    this.agent = agent;
  }

  /**
   * Starts Xvnc and an agent named {@code agentName} serving {@code cluster} in {@code region} (one
   * large node), and waits until the gateway on {@code gatewayPort} lists the cluster ready.
   */
  public static SharedDisplayFleet start(
      int gatewayPort, String agentName, String cluster, String region) {
    String fleet =
        """
        clusters:
          - name: %s
            region: %s
            nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
        """
            .formatted(cluster, region);
    Xvnc xvnc = Xvnc.start();
    AgentProcess agent = null;
    try {
      agent =
          AgentProcess.start(
              gatewayPort,
              PostgresResource.AGENT_TOKEN,
              fleet,
              agentName,
              Map.of(
                  "opencdi.agent.simulated.shared-displays." + cluster,
                  "127.0.0.1:" + xvnc.port()));
      agent.awaitReady(GraphQL.login("admin"), cluster);
      return new SharedDisplayFleet(cluster, region, xvnc, agent);
    } catch (RuntimeException | Error e) {
      if (agent != null) {
        agent.close();
      }
      xvnc.close();
      throw e;
    }
  }

  public Xvnc xvnc() {
    return xvnc;
  }

  public AgentProcess agent() {
    return agent;
  }

  /** The input of a plain openbox template named {@code name}, to add fields to. */
  public static Map<String, Object> templateInput(String name) {
    Map<String, Object> t = new HashMap<>();
    t.put("name", name);
    t.put("image", "opencdi/desktop-openbox:0.1");
    t.put("cpuMillis", 1000);
    t.put("memoryMiB", 1024);
    return t;
  }

  /** A template named {@code name} with {@code fields} on top of a plain openbox desktop. */
  public String template(String adminToken, String name, Map<String, Object> fields) {
    Map<String, Object> t = templateInput(name);
    t.putAll(fields);
    return template(adminToken, t);
  }

  /** A template made of {@code input} (see {@link #templateInput}). */
  public String template(String adminToken, Map<String, Object> input) {
    JsonPath created = run(adminToken, "templates", "CreateTemplate", "input", input);
    String id = created.getString("data.createTemplate.id");
    assertThat(id).as(created.prettify()).isNotNull();
    return id;
  }

  /**
   * A desktop of {@code templateId} that {@code userToken}'s user made, placed here and RUNNING.
   */
  public String runningDesktop(String userToken, String templateId) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("region", region);
    JsonPath created = run(userToken, "desktops", "CreateDesktop", "input", in);
    assertThat(created.getString("data.createDesktop.cluster.name"))
        .as(created.prettify())
        .isEqualTo(cluster);
    String id = created.getString("data.createDesktop.id");
    await()
        .atMost(RUNNING)
        .until(
            () ->
                "RUNNING"
                    .equals(
                        run(userToken, "desktops", "Desktop", "id", id)
                            .getString("data.desktop.state")));
    return id;
  }

  /** The connection ticket {@code userToken}'s user gets for {@code desktopId}. */
  public static JsonPath ticket(String userToken, String desktopId) {
    JsonPath r = run(userToken, "connect", "ConnectDesktop", "id", desktopId);
    assertThat(r.getString("data.connectDesktop.url")).as(r.prettify()).isNotNull();
    return r;
  }

  @Override
  public void close() {
    agent.close();
    xvnc.close();
  }
}
