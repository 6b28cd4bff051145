package io.opencdi.gateway.webui;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The web UI served by the gateway, driven in Debian's headless Chromium (the browser suite in
 * web-ui/e2e on @playwright/test, web-ui/playwright.config.mjs) against this gateway, a real
 * cluster agent with a simulated fleet plus a {@code local} cluster of real desktops (Xvnc,
 * Openbox, xterm on this host; CI installs them, see .ci/run), and embedded PostgreSQL. The browser
 * connects to a real desktop through the broker with noVNC, types into its terminal and finds the
 * file it wrote in the desktop's home on this host; it snapshots that home and restores it as a new
 * desktop whose home holds the files of that moment; it finds the snapshot of a deleted desktop on
 * the Snapshots page, restores and deletes it; it works the portal and the console with the
 * keyboard alone and at a laptop's size (1280×720). Screenshots of every page land in
 * target/e2e-screenshots; a failed scenario keeps its trace and screenshots in
 * web-ui/target/playwright/results.
 *
 * <p>{@code -Dopencdi.ttff.runs=N} also measures time to first frame N times in the browser
 * (docs/perf/time-to-first-frame.md); CI runs the single pass.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiEndToEndTest {
  private static final String FLEET =
      """
      clusters:
        - name: e2e-fra
          region: eu-west
          zone: eu-west-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 3, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: e2e-ams
          region: eu-west
          zone: eu-west-1b
          arch: [amd64]
          runtimeClasses: [runc]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110,
                   externalCpuMillis: 6000, externalMemoryMiB: 16384 }
        - name: e2e-bj
          region: cn-north
          zone: cn-north-1a
          arch: [amd64, arm64]
          runtimeClasses: [runc, kata]
          storageClasses: [longhorn]
          nodes: { count: 4, cpuMillis: 32000, memoryMiB: 131072, maxDesktops: 110 }
      """;
  private static final String LOCAL_CLUSTER = "web-local";
  private static final Path WEB_UI = Path.of("..", "web-ui");
  // The json reporter's file (playwright.config.mjs), relative to WEB_UI.
  private static final Path REPORT = Path.of("target", "playwright", "report.json");
  private static final Path PLAYWRIGHT = Path.of("node_modules", "@playwright", "test", "cli.js");
  private static final Path SCREENSHOTS = Path.of("target", "e2e-screenshots");

  @TestHTTPResource("/")
  URL base;

  private AgentProcess agent;

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void gatewayServesTheUiAtTheRootAndKeepsTheApiPaths() {
    given().get("/").then().statusCode(200).body(containsString("<div id=\"root\">"));
    // The API and health endpoints are not shadowed by the static files.
    given()
        .contentType("application/json")
        .body("{\"query\":\"{ __typename }\"}")
        .post("/graphql")
        .then()
        .statusCode(200)
        .body(containsString("Query"));
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void consoleAndPortalWorkInARealBrowser() throws IOException, InterruptedException {
    Path desktops = Files.createTempDirectory("opencdi-web-ui-desktops");
    // Private (0700) as a user's own directory would be; the agent opens what its desktops need.
    agent =
        AgentProcess.start(
            base.getPort(),
            PostgresResource.AGENT_TOKEN,
            FLEET,
            "web-ui-e2e",
            Map.of(
                "opencdi.agent.runtime", "simulated,local",
                "opencdi.agent.local.cluster-name", LOCAL_CLUSTER,
                "opencdi.agent.local.session", "openbox",
                "opencdi.agent.local.geometry", "1280x800",
                // Room for two real desktops (one restored from a snapshot of the other) on a
                // machine of any size: each asks for 1 CPU, and placement counts requests.
                "opencdi.agent.local.cpu-millis", "4000",
                "opencdi.agent.local.data-dir", desktops.toString(),
                "quarkus.log.category.\"io.opencdi.agent.runtime.local\".level", "DEBUG"));
    String admin = login("admin");
    agent.awaitReady(admin, "e2e-fra", "e2e-ams", "e2e-bj", LOCAL_CLUSTER);

    Files.createDirectories(SCREENSHOTS);
    Path output = Files.createTempFile("web-ui-e2e", ".log");
    Path report = WEB_UI.resolve(REPORT);
    // A report left by an earlier run must not pass for this one's.
    Files.deleteIfExists(report);
    // $E2E_ONLY, when set, passes through to the config's grep.
    ProcessBuilder pb =
        new ProcessBuilder(List.of("node", PLAYWRIGHT.toString(), "test"))
            .directory(WEB_UI.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    pb.environment().put("E2E_BASE_URL", base.toString());
    pb.environment().put("SCREENSHOT_DIR", SCREENSHOTS.toAbsolutePath().toString());
    pb.environment().put("OPENCDI_LOCAL_DATA_DIR", desktops.toAbsolutePath().toString());
    int ttffRuns = Integer.getInteger("opencdi.ttff.runs", 0);
    if (ttffRuns > 0) {
      pb.environment().put("TTFF_RUNS", String.valueOf(ttffRuns));
    }
    Process browser = pb.start();
    boolean finished = browser.waitFor(8 + 2 * ttffRuns, TimeUnit.MINUTES);
    if (!finished) {
      browser.destroyForcibly();
    }
    String log = Files.readString(output);
    assertThat(finished).as("the browser tests did not finish in time:%n%s", log).isTrue();
    assertThat(browser.exitValue())
        .as("browser tests failed:%n%s%nthe agent's log ends:%n%s", log, tail(agent.log(), 150))
        .isZero();
    // Every scenario ran and passed: a suite that ran none, or skipped some, fails here.
    assertThat(report).as("the browser tests wrote no report:%n%s", log).exists();
    JsonPath stats = JsonPath.from(report.toFile()).setRootPath("stats");
    int scenarios = ttffRuns > 0 ? 18 : 17;
    assertThat(stats.getInt("expected")).as("scenarios passed:%n%s", log).isEqualTo(scenarios);
    assertThat(stats.getInt("unexpected") + stats.getInt("flaky") + stats.getInt("skipped"))
        .as("scenarios failed, flaky or skipped:%n%s", log)
        .isZero();
    // Scenario times, retries ("typed again") and the time to first frame when measured.
    System.out.println(log);
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
