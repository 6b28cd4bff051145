package io.opencdi.gateway.agent;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static io.opencdi.gateway.testing.RawAgent.cluster;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RawAgent;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ready means a desktop can be placed, as the embedded default promises when it prints that it is
 * up: the gateway is not ready before its bundled agent's clusters are in its placement snapshot,
 * is ready the moment that agent is welcomed, and a createDesktop sent right then is placed.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(BundledAgentReadinessTest.BundledAgent.class)
class BundledAgentReadinessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** The tests' bootstrap agent plays the embedded default's bundled agent. */
  public static class BundledAgent implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("opencdi.agents.ready-agent", "test-agent");
    }
  }

  @TestHTTPResource("/")
  URL base;

  @Test
  void readyOnlyOnceTheBundledAgentsClustersCanTakeDesktops() throws Exception {
    JsonPath before = given().get("/q/health/ready").then().statusCode(503).extract().jsonPath();
    assertThat(before.getString("checks.find { it.name == 'bundled-agent' }.status"))
        .isEqualTo("DOWN");

    Map<String, Object> input = new HashMap<>();
    String alice = login("alice");
    input.put(
        "templateId",
        run(alice, "templates", "Templates")
            .getString("data.templates.find { it.name == 'openbox-small' }.id"));
    input.put("region", "ready-region");

    try (RawAgent agent = RawAgent.connect(base.getPort(), PostgresResource.AGENT_TOKEN)) {
      agent.send(
          new Hello(
              ProtocolVersion.CURRENT,
              "bundled",
              "simulated",
              List.of(cluster("ready-1", "ready-region", 2), cluster("ready-2", "ready-region", 2)),
              List.of()));
      await().atMost(WAIT).until(() -> !agent.received(Welcome.class).isEmpty());

      // No waiting from here: the clusters were in the snapshot before the Welcome went out.
      JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
      assertThat(ready.getInt("checks.find { it.name == 'bundled-agent' }.data.placeableClusters"))
          .isEqualTo(2);
      JsonPath created = run(alice, "desktops", "CreateDesktop", "input", input);
      assertThat(created.getString("data.createDesktop.cluster.region"))
          .as(created.prettify())
          .isEqualTo("ready-region");
    }

    // The agent went away: its clusters take no desktops, and the gateway says so.
    await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503));
  }
}
