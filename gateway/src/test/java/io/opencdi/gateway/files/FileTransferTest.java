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
import java.net.URLEncoder;
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
import java.util.Random;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * Files move between a user and a real desktop of the agent's {@code local} runtime through the
 * gateway and the agent's tunnel (ADR 0042), as the portal moves them: every refusal is tried as a
 * user would try it, and each leaves the home as it was.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FileTransferTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Above Quarkus' default body limit of 10 MiB, which the file routes must not be held to. */
  private static final int LIMIT_MIB = 12;

  @TestHTTPResource("/")
  URL base;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void filesGoInAndOutWithinTheTemplatesPolicyAndRefusalsChangeNothing() throws Exception {
    Path data = Files.createTempDirectory("opencdi-file-desktops");
    String alice = login("alice");
    String bob = login("bob");
    String admin = login("admin");
    try (AgentProcess agent =
        AgentProcess.local(
            base.getPort(), "files-agent", "files-local", "ap-files", data, Map.of())) {
      agent.awaitReady(admin, "files-local");
      Map<String, Object> template = SharedDisplayFleet.templateInput("file-moves");
      template.put("fileTransfer", "BOTH");
      template.put("fileTransferMaxMiB", LIMIT_MIB);
      JsonPath made = run(admin, "templates", "CreateTemplate", "input", template);
      String templateId = made.getString("data.createTemplate.id");
      assertThat(templateId).as(made.prettify()).isNotNull();

      Map<String, Object> in = new HashMap<>();
      in.put("templateId", templateId);
      in.put("region", "ap-files");
      in.put("name", "file-desk");
      JsonPath created = run(alice, "desktops", "CreateDesktop", "input", in);
      String id = created.getString("data.createDesktop.id");
      assertThat(id).as(created.prettify()).isNotNull();
      Path home = data.resolve("desktops").resolve(id).resolve("home");
      try {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> assertThat(Desktops.state(alice, id)).as(agent::log).isEqualTo("RUNNING"));

        // Listing: the policy and limit come with it; nothing uploaded yet.
        HttpResponse<String> listed = list(alice, id);
        assertThat(listed.statusCode()).as(listed.body() + agent.log()).isEqualTo(200);
        JsonObject listing = new JsonObject(listed.body());
        assertThat(listing.getString("policy")).isEqualTo("BOTH");
        assertThat(listing.getLong("maxBytes")).isEqualTo(LIMIT_MIB * 1024L * 1024L);
        assertThat(names(listing)).doesNotContain("figures.bin");

        // Upload then download: the same bytes, the file in the home as the desktop's user's.
        byte[] figures = random(11 * 1024 * 1024 + 17);
        HttpResponse<String> put = upload(alice, id, "figures.bin", figures);
        assertThat(put.statusCode()).as(put.body() + agent.log()).isEqualTo(201);
        assertThat(new JsonObject(put.body()).getLong("size")).isEqualTo((long) figures.length);
        assertThat(Files.readAllBytes(home.resolve("figures.bin"))).isEqualTo(figures);
        assertThat(Files.getAttribute(home.resolve("figures.bin"), "unix:uid"))
            .isEqualTo(Files.getAttribute(home, "unix:uid"));
        JsonObject after = new JsonObject(list(alice, id).body());
        assertThat(names(after)).contains("figures.bin");
        HttpResponse<byte[]> got = download(alice, id, "figures.bin");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(figures);
        assertThat(got.headers().firstValue("Content-Disposition").orElse(""))
            .startsWith("attachment");
        // Read slowly, as over a slow link: the gateway pauses the tunnel for the reader, and the
        // download still arrives whole (DialBackTest shows the agent's end waiting behind frames
        // held paused).
        assertThat(downloadSlowly(alice, id, "figures.bin")).isEqualTo(figures);
        // A user who stops reading a download does not hold its tunnel: after the stall timeout
        // (4 s in tests) the gateway cuts the download, and what was on its way is all that comes.
        assertThat(stalledDownload(alice, id, "figures.bin", Duration.ofSeconds(8)))
            .as("bytes of a download read after standing still for twice the stall timeout")
            .isLessThan(figures.length);

        // A name of any script arrives whole, and an empty file is a file.
        HttpResponse<String> unicode = upload(alice, id, "résumé 简历.txt", new byte[0]);
        assertThat(unicode.statusCode()).as(unicode.body()).isEqualTo(201);
        assertThat(download(alice, id, "résumé 简历.txt").body()).isEmpty();

        // The name is taken: nothing is replaced.
        assertRefused(upload(alice, id, "figures.bin", random(10)), 409, "CONFLICT");
        assertThat(Files.readAllBytes(home.resolve("figures.bin"))).isEqualTo(figures);

        // Over the template's limit, declared or streamed: refused, nothing left in the home.
        assertRefused(
            upload(alice, id, "big.bin", random(LIMIT_MIB * 1024 * 1024 + 1)), 413, "TOO_LARGE");
        assertRefused(
            uploadStreamed(alice, id, "big.bin", random(LIMIT_MIB * 1024 * 1024 + 1)),
            413,
            "TOO_LARGE");
        // The agent removes the hidden partial file as it ends the tunnel, moments after the
        // answer.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(() -> assertThat(leftovers(home)).isEmpty());

        // Names that are paths or hidden files are refused before anything moves.
        for (String bad : List.of("../escape", ".bashrc", "a/b", "..", " lead")) {
          assertRefused(upload(alice, id, bad, random(5)), 400, "VALIDATION");
        }
        assertThat(Files.exists(home.resolve(".bashrc"), LinkOption.NOFOLLOW_LINKS))
            .as("the refused upload wrote nothing")
            .isEqualTo(false);
        assertThat(Files.exists(home.getParent().resolve("escape"))).isFalse();

        // The desktop's user links a host file into the home: the download is refused.
        Path leak = home.resolve("leak");
        Files.createSymbolicLink(leak, Path.of("/etc/shadow"));
        Files.setAttribute(leak, "unix:uid", Files.getAttribute(home, "unix:uid"), NOFOLLOW);
        assertRefused(download(alice, id, "leak"), 404, "NOT_FOUND");
        // And an upload does not write through it.
        assertRefused(upload(alice, id, "leak", random(5)), 409, "CONFLICT");
        assertThat(names(new JsonObject(list(alice, id).body()))).doesNotContain("leak");

        // Another user cannot even learn the desktop exists; no token is no access.
        assertRefused(list(bob, id), 404, "NOT_FOUND");
        assertRefused(download(bob, id, "figures.bin"), 404, "NOT_FOUND");
        assertRefused(upload(bob, id, "from-bob.txt", random(5)), 404, "NOT_FOUND");
        assertRefused(list(null, id), 401, "UNAUTHENTICATED");
        assertRefused(list("not-a-token", id), 401, "UNAUTHENTICATED");
        assertRefused(list(alice, "not-an-id"), 400, "VALIDATION");
        assertThat(Files.exists(home.resolve("from-bob.txt"))).isFalse();

        // A user who opens uploads and never finishes them holds at most 8 at once (a tunnel
        // and a helper process each); the next request is refused until one ends.
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
          // The slot of a request that just ended is released once its answer is flushed, a
          // moment after the client read it: a hold that came first was then refused at once
          // (it has an answer), and the user opens another, as a client that retries would.
          int[] opened = {0};
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () -> {
                    held.removeIf(FileTransferTest::answered);
                    while (held.size() < 8) {
                      held.add(unfinishedUpload(alice, id, "held-" + opened[0]++ + ".bin"));
                    }
                    assertRefused(list(alice, id), 429, "OVERLOADED");
                  });
          // Another user's requests are theirs to count.
          assertThat(list(admin, id).statusCode()).isEqualTo(200);
        } finally {
          for (java.net.Socket socket : held) {
            socket.close();
          }
        }
        await().atMost(WAIT).until(() -> list(alice, id).statusCode() == 200);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(names(new JsonObject(list(alice, id).body())))
                        .noneMatch(n -> n.startsWith("held-")));

        // An admin may look into a user's desktop, as with its display.
        assertThat(download(admin, id, "figures.bin").body()).isEqualTo(figures);

        // The admin narrows the template to downloads: uploads stop at once, downloads go on.
        template.put("fileTransfer", "DOWNLOAD");
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        assertRefused(upload(alice, id, "new.txt", random(5)), 403, "FORBIDDEN");
        assertThat(Files.exists(home.resolve("new.txt"))).isFalse();
        assertThat(download(alice, id, "figures.bin").body()).isEqualTo(figures);
        template.put("fileTransfer", "UPLOAD");
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        assertRefused(download(alice, id, "figures.bin"), 403, "FORBIDDEN");
        template.put("fileTransfer", "NONE");
        run(admin, "templates", "UpdateTemplate", "id", templateId, "input", template);
        assertRefused(list(alice, id), 403, "FORBIDDEN");
      } finally {
        run(alice, "desktops", "DeleteDesktop", "id", id);
        Desktops.awaitState(alice, id, "DELETED");
      }
    }
  }

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private static void assertRefused(HttpResponse<?> response, int status, String code) {
    String body =
        response.body() instanceof byte[] b
            ? new String(b, StandardCharsets.UTF_8)
            : String.valueOf(response.body());
    assertThat(response.statusCode()).as(body).isEqualTo(status);
    assertThat(new JsonObject(body).getJsonObject("error").getString("code"))
        .as(body)
        .isEqualTo(code);
  }

  private static List<String> names(JsonObject listing) {
    JsonArray files = listing.getJsonArray("files");
    return files.stream().map(f -> ((JsonObject) f).getString("name")).toList();
  }

  /** Files an upload may have left behind: the name it asked for, or a temporary file. */
  private static List<String> leftovers(Path home) throws Exception {
    try (var files = Files.list(home)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("big") || n.startsWith(".opencdi-upload"))
          .toList();
    }
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private URI uri(String id, String name) {
    return URI.create(
        "http://localhost:"
            + base.getPort()
            + FileRoutes.PREFIX
            + id
            + (name == null
                ? ""
                : "/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")));
  }

  private HttpRequest.Builder request(String token, String id, String name) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(id, name)).timeout(WAIT);
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> list(String token, String id) throws Exception {
    return http.send(request(token, id, null).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> upload(String token, String id, String name, byte[] bytes)
      throws Exception {
    return http.send(
        request(token, id, name).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An upload that does not say its length up front (chunked), as a stream would. */
  private HttpResponse<String> uploadStreamed(String token, String id, String name, byte[] bytes)
      throws Exception {
    HttpRequest.BodyPublisher unsized =
        new HttpRequest.BodyPublisher() {
          private final HttpRequest.BodyPublisher inner =
              HttpRequest.BodyPublishers.ofByteArray(bytes);

          @Override
          public long contentLength() {
            return -1;
          }

          @Override
          public void subscribe(Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
            inner.subscribe(subscriber);
          }
        };
    try {
      return http.send(
          request(token, id, name).PUT(unsized).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException reset) {
      // The gateway may close the connection while the rest of the body is still coming.
      throw new AssertionError("the over-size upload got no answer: " + reset, reset);
    }
  }

  /** An upload that says 1 MiB is coming, sends 10 bytes and then nothing: it stays under way. */
  /**
   * Whether the gateway already answered the request on {@code socket}, which then holds nothing
   * and is closed.
   */
  private static boolean answered(java.net.Socket socket) {
    try {
      if (socket.getInputStream().available() == 0) {
        return false;
      }
      socket.close();
    } catch (java.io.IOException closed) {
      // answered and gone
    }
    return true;
  }

  private java.net.Socket unfinishedUpload(String token, String id, String name) throws Exception {
    java.net.Socket socket = new java.net.Socket("localhost", base.getPort());
    String head =
        "PUT "
            + uri(id, name).getRawPath()
            + " HTTP/1.1\r\nHost: localhost:"
            + base.getPort()
            + "\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Length: 1048576\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(random(10));
    socket.getOutputStream().flush();
    return socket;
  }

  /**
   * Asks for {@code name} on a connection with a small receive buffer, reads nothing for {@code
   * pause}, then reads what comes until the connection ends; returns the body bytes read.
   */
  private long stalledDownload(String token, String id, String name, Duration pause)
      throws Exception {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new java.net.InetSocketAddress("localhost", base.getPort()));
      String head =
          "GET "
              + uri(id, name).getRawPath()
              + " HTTP/1.1\r\nHost: localhost:"
              + base.getPort()
              + "\r\nAuthorization: Bearer "
              + token
              + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Thread.sleep(pause.toMillis());
      socket.setSoTimeout((int) WAIT.toMillis());
      long read = 0;
      byte[] chunk = new byte[64 * 1024];
      try (java.io.InputStream in = socket.getInputStream()) {
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
          read += n;
        }
      } catch (java.net.SocketException reset) {
        // cut by the gateway
      }
      return read;
    }
  }

  /** Downloads {@code name} reading 64 KiB at a time with a pause between reads. */
  private byte[] downloadSlowly(String token, String id, String name) throws Exception {
    HttpResponse<java.io.InputStream> response =
        http.send(
            request(token, id, name).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    try (java.io.InputStream in = response.body()) {
      byte[] chunk = new byte[64 * 1024];
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        read.write(chunk, 0, n);
        Thread.sleep(5);
      }
    }
    return read.toByteArray();
  }

  private HttpResponse<byte[]> download(String token, String id, String name) throws Exception {
    return http.send(
        request(token, id, name).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
