package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Rfb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole path with a real desktop: the agent's {@code local} runtime starts the desktop image's
 * entrypoint (Xvnc and a window manager) on this host, and a viewer speaks RFB 3.8 to it through
 * the gateway's broker and the agent's dial-back tunnel. Needs Xvnc, openbox and xterm (CI installs
 * them, see .ci/run).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LocalDesktopConnectTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TestHTTPResource("/")
  URL base;

  @Test
  void aRealDesktopIsDrawnThroughTheBrokerAndAReconnectFindsItRunning() throws Exception {
    Path data = Files.createTempDirectory("opencdi-local-desktops");
    // Private (0700) as a user's own directory would be; the agent opens what its desktops need.
    String alice = login("alice");
    String admin = login("admin");
    try (AgentProcess agent =
        AgentProcess.local(
            base.getPort(),
            "local-agent",
            "e2e-local",
            "ap-local",
            data,
            Map.of("opencdi.agent.local.geometry", "1280x800"))) {
      agent.awaitReady(admin, "e2e-local");
      Map<String, Object> in = new HashMap<>();
      in.put(
          "templateId",
          run(admin, "templates", "Templates")
              .getString("data.templates.find { it.name == 'openbox-small' }.id"));
      in.put("region", "ap-local");
      JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
      String id = created.getString("data.createDesktop.id");
      assertThat(created.getString("data.createDesktop.cluster.name"))
          .as(created.prettify())
          .isEqualTo("e2e-local");
      try {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> assertThat(Desktops.state(alice, id)).as(agent::log).isEqualTo("RUNNING"));

        String name;
        try (DisplayClient viewer = DisplayClient.open(ticket(alice, id), origin(), "binary")) {
          Rfb.ServerInit init = Rfb.handshake(viewer);
          assertThat(init.width()).isEqualTo(1280);
          assertThat(init.height()).isEqualTo(800);
          assertThat(Rfb.requestFullUpdate(viewer, init)).as("FramebufferUpdate").isZero();
          name = init.name();
        }
        // The viewer went away; the desktop runs on, and a new ticket reaches the same X server.
        assertThat(Desktops.state(alice, id)).isEqualTo("RUNNING");
        try (DisplayClient viewer = DisplayClient.open(ticket(alice, id), origin(), "binary")) {
          Rfb.ServerInit init = Rfb.handshake(viewer);
          assertThat(init.name()).as("the same desktop's X server").isEqualTo(name);
          assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
        }
      } finally {
        // Local desktops are processes on this host: remove this one before the agent goes.
        run(alice, "desktops", "DeleteDesktop", "id", id);
        Desktops.awaitState(alice, id, "DELETED");
      }
    }
  }

  private String origin() {
    return "http://localhost:" + base.getPort();
  }

  private static String ticket(String token, String id) {
    JsonPath r = run(token, "connect", "ConnectDesktop", "id", id);
    String url = r.getString("data.connectDesktop.url");
    assertThat(url).as(r.prettify()).isNotNull();
    return url;
  }
}
