package io.opencdi.gateway.desktop;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.opencdi.gateway.testing.RawAgent.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.agent.AgentBootstrap;
import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RawAgent;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A desktop's health travels from its agent to the API: the agent reports a desktop DEGRADED with
 * the reason, its owner sees it, the console's list of degraded desktops (admins, across the fleet)
 * holds it until the agent reports it OK again. An agent that does not own the desktop's cluster
 * cannot mark it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DesktopHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String BOMB =
      "processes reached the limit of 2048 (2048 running, 9 forks refused)";

  @TestHTTPResource("/")
  URL base;

  @Inject AgentBootstrap agents;

  private final String s = UUID.randomUUID().toString().substring(0, 8);

  @Test
  void aDegradedDesktopIsListedWithItsReasonUntilItsAgentReportsItOk() throws Exception {
    String home = "health-" + s;
    try (RawAgent owner =
        RawAgent.connect(base.getPort(), PostgresResource.AGENT_TOKEN).beating()) {
      owner.send(hello(List.of(cluster(home, "health-region-" + s, 1)), List.of()));
      awaitWelcome(owner);
      String alice = login("alice");
      String admin = login("admin");
      String id = runningDesktop(owner, alice, "health-region-" + s);
      assertThat(desktop(alice, id).getString("data.desktop.health")).isEqualTo("OK");
      assertThat(degraded(admin)).doesNotContain(id);

      owner.send(status(id, home, DesktopHealth.DEGRADED, BOMB));
      await()
          .atMost(WAIT)
          .until(() -> "DEGRADED".equals(desktop(alice, id).getString("data.desktop.health")));
      JsonPath seen = desktop(alice, id);
      assertThat(seen.getString("data.desktop.healthReason")).isEqualTo(BOMB);
      assertThat(seen.getString("data.desktop.state")).isEqualTo("RUNNING");
      assertThat(degraded(admin)).contains(id);
      // Users see only their own desktops in the list, degraded or not.
      assertThat(degraded(login("bob"))).doesNotContain(id);

      // Another agent with a valid token of its own cannot clear (or set) the verdict.
      String intruderToken = AgentTokens.generate();
      agents.register("health-intruder-" + s, intruderToken).await().atMost(WAIT);
      try (RawAgent intruder = RawAgent.connect(base.getPort(), intruderToken)) {
        intruder.send(hello(List.of(), List.of()));
        awaitWelcome(intruder);
        intruder.send(status(id, home, DesktopHealth.OK, null));
      }
      // A status without a verdict (a runtime that does not judge health) keeps the last one.
      owner.send(
          new DesktopStatus(
              id, home, null, DesktopState.RUNNING, "still here", System.currentTimeMillis()));
      await()
          .atMost(WAIT)
          .until(
              () -> "still here".equals(desktop(alice, id).getString("data.desktop.statusReason")));
      assertThat(desktop(alice, id).getString("data.desktop.health")).isEqualTo("DEGRADED");
      assertThat(desktop(alice, id).getString("data.desktop.healthReason")).isEqualTo(BOMB);

      owner.send(status(id, home, DesktopHealth.OK, null));
      await()
          .atMost(WAIT)
          .until(() -> "OK".equals(desktop(alice, id).getString("data.desktop.health")));
      assertThat(desktop(alice, id).getString("data.desktop.healthReason")).isNull();
      assertThat(degraded(admin)).doesNotContain(id);
    }
  }

  private List<String> degraded(String token) {
    JsonPath r =
        run(token, "desktops", "Desktops", "filter", Map.of("health", "DEGRADED"), "first", 500);
    List<String> ids = r.getList("data.desktops.edges.node.id", String.class);
    assertThat(ids).as(r.prettify()).isNotNull();
    return ids;
  }

  private String runningDesktop(RawAgent owner, String alice, String region) throws Exception {
    Map<String, Object> in = new HashMap<>();
    in.put(
        "templateId",
        run(alice, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
    in.put("region", region);
    JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
    String id = created.getString("data.createDesktop.id");
    assertThat(id).as(created.prettify()).isNotNull();
    Command start = owner.awaitStart(id, WAIT);
    owner.send(new CommandAck(start.commandId(), true, null));
    owner.send(status(id, start.desktop().cluster(), DesktopHealth.OK, null));
    await()
        .atMost(WAIT)
        .until(() -> "RUNNING".equals(desktop(alice, id).getString("data.desktop.state")));
    return id;
  }

  private static DesktopStatus status(
      String id, String cluster, DesktopHealth health, String reason) {
    return new DesktopStatus(
        id, cluster, null, DesktopState.RUNNING, null, System.currentTimeMillis(), health, reason);
  }

  private static Hello hello(
      List<io.opencdi.protocol.ClusterReport> clusters, List<DesktopStatus> inventory) {
    return new Hello(ProtocolVersion.CURRENT, "raw-agent", "simulated", clusters, inventory);
  }

  private static void awaitWelcome(RawAgent agent) {
    await()
        .atMost(WAIT)
        .until(() -> !agent.received(Welcome.class).isEmpty() || agent.closeCode() != null);
    assertThat(agent.closeCode()).as("closed instead of welcomed").isNull();
  }

  private static JsonPath desktop(String token, String id) {
    return run(token, "desktops", "Desktop", "id", id);
  }
}
