package io.opencdi.gateway.files;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The PDFs of a real local desktop's virtual printer reach its user through the gateway and the
 * agent's tunnel (ADR 0043) when the template has printing on, whatever its file policy; the
 * printer itself is shown working inside a desktop by the agent's tests and the browser tests.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PrintDownloadTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TestHTTPResource("/")
  URL base;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void printsDownloadWhilePrintingIsOnAndNothingElseOpens() throws Exception {
    Path data = Files.createTempDirectory("opencdi-print-desktops");
    String alice = login("alice");
    String bob = login("bob");
    String admin = login("admin");
    try (AgentProcess agent =
        AgentProcess.local(
            base.getPort(), "print-agent", "print-local", "ap-print", data, Map.of())) {
      agent.awaitReady(admin, "print-local");
      // Printing on, files closed: prints still come out, the home stays shut.
      Map<String, Object> template = SharedDisplayFleet.templateInput("prints-only");
      template.put("printing", true);
      template.put("fileTransfer", "NONE");
      JsonPath made = run(admin, "templates", "CreateTemplate", "input", template);
      String templateId = made.getString("data.createTemplate.id");
      assertThat(templateId).as(made.prettify()).isNotNull();
      Map<String, Object> in = new HashMap<>();
      in.put("templateId", templateId);
      in.put("region", "ap-print");
      in.put("name", "print-desk");
      String id =
          run(alice, "desktops", "CreateDesktop", "input", in).getString("data.createDesktop.id");
      Path desktop = data.resolve("desktops").resolve(id);
      try {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> assertThat(Desktops.state(alice, id)).as(agent::log).isEqualTo("RUNNING"));
        Path prints = desktop.resolve("prints");
        assertThat(prints).as("the desktop's prints folder, beside its home").isDirectory();
        assertThat(Files.getAttribute(prints, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            .isEqualTo(Files.getAttribute(desktop.resolve("home"), "unix:uid"));

        assertThat(names(get(alice, "/prints/v1/" + id))).isEmpty();
        // A job as the desktop's printer leaves it: a PDF of the desktop's user.
        byte[] pdf = "%PDF-1.4\n% a printed page\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);
        Path job = prints.resolve("2026-12-07T10-00-00Z-job-1-greeting.pdf");
        Files.write(job, pdf);
        Files.setAttribute(job, "unix:uid", Files.getAttribute(prints, "unix:uid"));
        Files.setAttribute(job, "unix:gid", Files.getAttribute(prints, "unix:gid"));

        HttpResponse<byte[]> listed = get(alice, "/prints/v1/" + id);
        assertThat(listed.statusCode()).as(text(listed)).isEqualTo(200);
        assertThat(names(listed)).containsExactly(job.getFileName().toString());
        HttpResponse<byte[]> got = get(alice, "/prints/v1/" + id + "/" + job.getFileName());
        assertThat(got.statusCode()).as(text(got)).isEqualTo(200);
        assertThat(got.body()).isEqualTo(pdf);

        // The home is not reachable under this template, and prints take no uploads.
        assertRefused(get(alice, "/files/v1/" + id), 403, "FORBIDDEN");
        HttpResponse<byte[]> put =
            http.send(
                request(alice, "/prints/v1/" + id + "/x.pdf")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(pdf))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertRefused(put, 400, "VALIDATION");
        assertThat(names(get(alice, "/prints/v1/" + id))).hasSize(1);

        // Another user sees no desktop; an admin may download, as with files.
        assertRefused(get(bob, "/prints/v1/" + id), 404, "NOT_FOUND");
        assertRefused(get(bob, "/prints/v1/" + id + "/" + job.getFileName()), 404, "NOT_FOUND");
        assertThat(get(admin, "/prints/v1/" + id + "/" + job.getFileName()).body()).isEqualTo(pdf);

        // The admin turns printing off: the prints stay in the desktop and no longer come out.
        template.put("printing", false);
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        assertRefused(get(alice, "/prints/v1/" + id), 403, "FORBIDDEN");
        assertRefused(get(alice, "/prints/v1/" + id + "/" + job.getFileName()), 403, "FORBIDDEN");
        assertThat(job).exists();
      } finally {
        run(alice, "desktops", "DeleteDesktop", "id", id);
        Desktops.awaitState(alice, id, "DELETED");
      }
    }
  }

  private HttpRequest.Builder request(String token, String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + base.getPort() + path))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + token);
  }

  private HttpResponse<byte[]> get(String token, String path) throws Exception {
    return http.send(request(token, path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static List<String> names(HttpResponse<byte[]> listing) {
    JsonArray files = new JsonObject(text(listing)).getJsonArray("files");
    return files.stream().map(f -> ((JsonObject) f).getString("name")).toList();
  }

  private static void assertRefused(HttpResponse<byte[]> response, int status, String code) {
    assertThat(response.statusCode()).as(text(response)).isEqualTo(status);
    assertThat(new JsonObject(text(response)).getJsonObject("error").getString("code"))
        .as(text(response))
        .isEqualTo(code);
  }
}
