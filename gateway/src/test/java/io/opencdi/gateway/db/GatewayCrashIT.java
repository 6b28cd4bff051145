package io.opencdi.gateway.db;

import static io.opencdi.gateway.testing.GraphQL.runAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.auth.AgentTokens;
import io.opencdi.gateway.testing.GatewayProcess;
import io.opencdi.gateway.testing.GraphQL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gateway of {@code ./opencdi up} killed with SIGKILL: its database goes with it instead of
 * holding the data directory, and the next start on the same data directory finds everything that
 * was committed.
 */
class GatewayCrashIT {
  @Test
  void aGatewayKilledWithSigkillStartsAgainOnItsDataWithNothingLost() throws Exception {
    Path data = Files.createTempDirectory("opencdi-crash");
    String agentToken = AgentTokens.generate();
    ProcessHandle firstPostmaster;
    try (GatewayProcess first = GatewayProcess.startEmbedded("crash-1", data, agentToken)) {
      String admin = awaitSignIn(first);
      Map<String, Object> template = new HashMap<>();
      template.put("name", "kept-across-a-crash");
      template.put("image", "opencdi/desktop-xfce:0.1");
      template.put("cpuMillis", 1000);
      template.put("memoryMiB", 1024);
      template.put("runtimeClass", "kata");
      assertThat(
              runAt(first.port(), admin, "templates", "CreateTemplate", "input", template)
                  .getString("data.createTemplate.id"))
          .isNotNull();
      long pid =
          Long.parseLong(
              Files.readAllLines(data.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
      firstPostmaster = ProcessHandle.of(pid).orElseThrow();

      first.kill();

      // The database does not outlive the gateway that started it.
      firstPostmaster.onExit().get(30, TimeUnit.SECONDS);
      assertThat(firstPostmaster.isAlive()).isFalse();
    }

    try (GatewayProcess second = GatewayProcess.startEmbedded("crash-2", data, agentToken)) {
      String admin = awaitSignIn(second);
      assertThat(
              runAt(second.port(), admin, "templates", "Templates").getList("data.templates.name"))
          .contains("kept-across-a-crash");
      assertThat(ProcessHandle.of(firstPostmaster.pid()).filter(ProcessHandle::isAlive)).isEmpty();
    } finally {
      new ProcessBuilder("rm", "-rf", data.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Signs in as admin as soon as the gateway answers; fails when it stops instead. */
  private static String awaitSignIn(GatewayProcess gateway) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      if (!gateway.isAlive()) {
        throw new AssertionError("the gateway stopped:\n" + gateway.log());
      }
      try {
        return GraphQL.loginAt(gateway.port(), "admin");
      } catch (Exception | AssertionError notYet) {
        Thread.sleep(500);
      }
    }
    throw new AssertionError("the gateway did not let admin sign in:\n" + gateway.log());
  }
}
