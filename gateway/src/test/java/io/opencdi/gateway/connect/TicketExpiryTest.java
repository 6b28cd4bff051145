package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A ticket not used within its validity is refused with its own close code. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestProfile(TicketExpiryTest.OneSecondTickets.class)
class TicketExpiryTest {
  private static final String FLEET =
      """
      clusters:
        - name: exp-1
          region: ap-expiry
          nodes: { count: 1, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 10 }
      """;

  /** Tickets live one second here, so that expiry can be waited for. */
  public static class OneSecondTickets implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("opencdi.connect.ticket-ttl", "1s");
    }
  }

  @TestHTTPResource("/")
  URL base;

  @Test
  void anExpiredTicketIsRefused() throws Exception {
    try (AgentProcess agent =
        AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "expiry-agent")) {
      String admin = login("admin");
      String alice = login("alice");
      agent.awaitReady(admin, "exp-1");
      Map<String, Object> in = new HashMap<>();
      in.put(
          "templateId",
          run(admin, "templates", "Templates")
              .getString("data.templates.find { it.name == 'openbox-small' }.id"));
      in.put("region", "ap-expiry");
      String id =
          run(alice, "desktops", "CreateDesktop", "input", in).getString("data.createDesktop.id");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "RUNNING"
                      .equals(
                          run(alice, "desktops", "Desktop", "id", id)
                              .getString("data.desktop.state")));

      JsonPath ticket = run(alice, "connect", "ConnectDesktop", "id", id);
      OffsetDateTime expiresAt =
          OffsetDateTime.parse(ticket.getString("data.connectDesktop.expiresAt"));
      assertThat(expiresAt).isBefore(OffsetDateTime.now().plusSeconds(2));
      // Wait for the expiry itself (plus clock granularity), not for a fixed time.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> OffsetDateTime.now().isAfter(expiresAt.plusNanos(100_000_000)));
      try (DisplayClient viewer =
          DisplayClient.open(
              ticket.getString("data.connectDesktop.url"),
              "http://localhost:" + base.getPort(),
              "binary")) {
        assertThat(viewer.closeCode(Duration.ofSeconds(30)))
            .isEqualTo(DisplayCloseCodes.TICKET_EXPIRED);
        assertThat(viewer.closeReason()).contains("expired");
      }
    }
  }
}
