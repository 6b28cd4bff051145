package io.opencdi.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.local.LocalDesktopFiles;
import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.TunnelRefused;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File tunnels end to end on the agent's side: a Vert.x server stands in for the gateway's
 * dial-back endpoint, and a runtime whose one desktop has a real {@link LocalDesktopFiles} over a
 * temporary home (run as the agent's own user, as an unprivileged agent's desktops are).
 */
class FileTunnelsTest {
  private static final String TOKEN = "agent-token-1";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path home;
  @TempDir Path prints;

  private Vertx vertx;
  private HttpServer server;
  private FileTunnels tunnels;
  private DialBack link;
  private final Map<String, CompletableFuture<GatewayEnd>> dialled = new ConcurrentHashMap<>();
  private final List<TunnelRefused> refused = new CopyOnWriteArrayList<>();
  // Tunnels whose gateway end sends bytes at once, before the agent can be ready.
  private final java.util.Set<String> eager = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void gateway() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  String path = ws.path();
                  if (!path.startsWith(ProtocolVersion.TUNNEL_PATH_PREFIX)
                      || !("Bearer " + TOKEN).equals(ws.headers().get("Authorization"))) {
                    ws.reject(401);
                    return;
                  }
                  String id = path.substring(ProtocolVersion.TUNNEL_PATH_PREFIX.length());
                  GatewayEnd end = new GatewayEnd(ws);
                  if (eager.contains(id)) {
                    ws.writeBinaryMessage(Buffer.buffer("too early"));
                  }
                  dialled.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(end);
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    link =
        new DialBack(
            URI.create("ws://127.0.0.1:" + server.actualPort()), TOKEN, List.of("localhost"));
    tunnels =
        new FileTunnels(
            new OneDesktop(
                new LocalDesktopFiles(home, -1, LocalDesktopFiles.STALL),
                new LocalDesktopFiles(prints, -1, LocalDesktopFiles.STALL)),
            vertx);
  }

  @AfterEach
  void close() throws Exception {
    tunnels.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aListingNamesTheVisibleFilesWithSizeAndTime() throws Exception {
    Files.writeString(home.resolve("b.txt"), "bb");
    Files.writeString(home.resolve("a.txt"), "a");
    Files.setLastModifiedTime(
        home.resolve("a.txt"), FileTime.from(Instant.parse("2026-12-07T10:00:00Z")));
    Files.writeString(home.resolve(".profile"), "hidden");
    Files.createDirectory(home.resolve("Desktop"));

    GatewayEnd end = open(FileOpen.Op.LIST, null, 0);

    assertThat(end.closeCode()).isEqualTo(1000);
    JsonArray files = new JsonObject(end.texts.getFirst()).getJsonArray("files");
    assertThat(files.size()).isEqualTo(2);
    assertThat(files.getJsonObject(0).getMap())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("name", "a.txt", "size", 1, "modifiedAt", "2026-12-07T10:00:00Z"));
    assertThat(files.getJsonObject(1).getString("name")).isEqualTo("b.txt");
    assertThat(files.getJsonObject(1).getLong("size")).isEqualTo(2);
  }

  @Test
  void aDownloadSendsItsSizeThenTheBytesInFramesOfAtMost64KiB() throws Exception {
    byte[] bytes = random(3 * 1024 * 1024 + 5);
    Files.write(home.resolve("data.bin"), bytes);

    GatewayEnd end = open(FileOpen.Op.DOWNLOAD, "data.bin", bytes.length);

    assertThat(end.closeCode()).isEqualTo(1000);
    assertThat(end.texts).containsExactly("{\"size\":" + bytes.length + "}");
    assertThat(end.binary.toByteArray()).isEqualTo(bytes);
    assertThat(end.largestFrame).isLessThanOrEqualTo(65536);
  }

  @Test
  void aDownloadOverTheLimitOrOfNoFileIsRefused() throws Exception {
    Files.writeString(home.resolve("big.txt"), "x".repeat(100));

    GatewayEnd tooLarge = open(FileOpen.Op.DOWNLOAD, "big.txt", 99);
    assertThat(tooLarge.closeCode()).isEqualTo(FileCloseCodes.TOO_LARGE);
    assertThat(tooLarge.binary.size()).isZero();

    assertThat(open(FileOpen.Op.DOWNLOAD, "missing.txt", 99).closeCode())
        .isEqualTo(FileCloseCodes.NOT_FOUND);
    GatewayEnd invalid = open(FileOpen.Op.DOWNLOAD, "../etc/passwd", 99);
    assertThat(invalid.closeCode()).isEqualTo(FileCloseCodes.INVALID_NAME);
    assertThat(invalid.closeReason()).isNotBlank().hasSizeLessThanOrEqualTo(120);
  }

  @Test
  void anUploadIsStoredByteForByte() throws Exception {
    byte[] bytes = random(2 * 1024 * 1024 + 3);

    GatewayEnd end = upload("upload.bin", bytes, bytes.length, bytes.length);

    assertThat(end.closeCode()).isEqualTo(1000);
    assertThat(end.texts).containsExactly("{\"ready\":true}", "{\"size\":" + bytes.length + "}");
    assertThat(home.resolve("upload.bin")).hasBinaryContent(bytes);
    assertThat(entries()).containsExactly("upload.bin");
  }

  @Test
  void anUploadOverTheLimitOrWithAWrongCountLeavesNothing() throws Exception {
    byte[] bytes = random(300_000);

    GatewayEnd tooLarge = upload("big.bin", bytes, bytes.length, bytes.length - 1);
    assertThat(tooLarge.closeCode()).isEqualTo(FileCloseCodes.TOO_LARGE);

    GatewayEnd wrongCount = upload("short.bin", bytes, bytes.length + 1, bytes.length);
    assertThat(wrongCount.closeCode()).isEqualTo(FileCloseCodes.PROTOCOL_ERROR);

    // A name that exists is refused before any byte is taken.
    Files.writeString(home.resolve("taken.txt"), "first");
    GatewayEnd taken = open(FileOpen.Op.UPLOAD, "taken.txt", 100);
    assertThat(taken.closeCode()).isEqualTo(FileCloseCodes.EXISTS);
    assertThat(taken.texts).isEmpty();
    assertThat(home.resolve("taken.txt")).hasContent("first");

    // Bytes before the agent said it was ready break the protocol.
    String id = tunnelId();
    eager.add(id);
    tunnels.open(
        new FileOpen(id, "d-1", "bj-1", null, FileOpen.Op.UPLOAD, "early.bin", 100),
        link,
        refused::add);
    assertThat(dialled(id).closeCode()).isEqualTo(FileCloseCodes.PROTOCOL_ERROR);

    // A tunnel that closes before the end leaves nothing either.
    String cut = tunnelId();
    tunnels.open(
        new FileOpen(cut, "d-1", "bj-1", null, FileOpen.Op.UPLOAD, "cut.bin", 1000),
        link,
        refused::add);
    GatewayEnd cutEnd = dialled(cut);
    await().atMost(WAIT).until(() -> !cutEnd.texts.isEmpty());
    cutEnd.ws.writeBinaryMessage(Buffer.buffer("partial"));
    cutEnd.ws.close();

    await().atMost(WAIT).untilAsserted(() -> assertThat(entries()).containsExactly("taken.txt"));
    assertThat(refused).isEmpty();
  }

  @Test
  void thePrintsFolderIsListedAndDownloadedButTakesNoUploads() throws Exception {
    Files.writeString(home.resolve("notes.txt"), "home");
    Files.writeString(prints.resolve("2026-12-07T10-00-00Z-job-1-report.pdf"), "%PDF-1.7 one");
    Files.writeString(prints.resolve(".partial-2026-12-07T10-00-01Z-job-2.pdf"), "%PDF-");

    GatewayEnd list = open(FileOpen.Op.LIST, null, 0, FileOpen.Folder.PRINTS);
    assertThat(list.closeCode()).isEqualTo(1000);
    JsonArray files = new JsonObject(list.texts.getFirst()).getJsonArray("files");
    assertThat(files.size()).isEqualTo(1);
    assertThat(files.getJsonObject(0).getString("name"))
        .isEqualTo("2026-12-07T10-00-00Z-job-1-report.pdf");

    GatewayEnd download =
        open(
            FileOpen.Op.DOWNLOAD,
            "2026-12-07T10-00-00Z-job-1-report.pdf",
            100,
            FileOpen.Folder.PRINTS);
    assertThat(download.closeCode()).isEqualTo(1000);
    assertThat(download.binary.toString(StandardCharsets.UTF_8)).isEqualTo("%PDF-1.7 one");
    // The home's files are not the prints folder's.
    assertThat(open(FileOpen.Op.DOWNLOAD, "notes.txt", 100, FileOpen.Folder.PRINTS).closeCode())
        .isEqualTo(FileCloseCodes.NOT_FOUND);

    // An upload into the prints is dialled back and closed at once: nothing is written anywhere.
    GatewayEnd upload = open(FileOpen.Op.UPLOAD, "fake.pdf", 100, FileOpen.Folder.PRINTS);
    assertThat(upload.closeCode()).isEqualTo(FileCloseCodes.PROTOCOL_ERROR);
    assertThat(upload.texts).isEmpty();
    assertThat(prints.resolve("fake.pdf")).doesNotExist();
    assertThat(home.resolve("fake.pdf")).doesNotExist();
    try (Stream<Path> all = Files.list(prints)) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "2026-12-07T10-00-00Z-job-1-report.pdf", ".partial-2026-12-07T10-00-01Z-job-2.pdf");
    }
    assertThat(entries()).containsExactly("notes.txt");

    // A request without a folder, as older gateways send, means the home.
    GatewayEnd older = open(FileOpen.Op.LIST, null, 0, null);
    assertThat(
            new JsonObject(older.texts.getFirst())
                .getJsonArray("files")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo("notes.txt");
    assertThat(refused).isEmpty();
  }

  @Test
  void anUnknownDesktopOrAnUntrustedGatewayIsRefused() throws Exception {
    String unknown = tunnelId();
    tunnels.open(
        new FileOpen(unknown, "d-2", "bj-1", null, FileOpen.Op.LIST, null, 0), link, refused::add);
    String untrusted = tunnelId();
    tunnels.open(
        new FileOpen(
            untrusted, "d-1", "bj-1", "ws://evil.example.com:1", FileOpen.Op.LIST, null, 0),
        link,
        refused::add);
    tunnels.open(
        new FileOpen("bad id", "d-1", "bj-1", null, FileOpen.Op.LIST, null, 0), link, refused::add);

    await().atMost(WAIT).until(() -> refused.size() == 2);
    assertThat(refused)
        .extracting(TunnelRefused::tunnelId, TunnelRefused::cause)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(unknown, TunnelRefused.Cause.NO_DISPLAY),
            org.assertj.core.groups.Tuple.tuple(untrusted, TunnelRefused.Cause.DIAL_BACK_REFUSED));
    assertThat(refused.stream().filter(r -> r.tunnelId().equals(unknown)).findFirst().orElseThrow())
        .extracting(TunnelRefused::message)
        .isEqualTo(
            "desktop d-2 does not run in cluster bj-1 here, or the test runtime transfers no files");
    // A trusted replica is dialled back.
    String replica = tunnelId();
    tunnels.open(
        new FileOpen(
            replica,
            "d-1",
            "bj-1",
            "ws://localhost:" + server.actualPort(),
            FileOpen.Op.LIST,
            null,
            0),
        link,
        refused::add);
    assertThat(dialled(replica).closeCode()).isEqualTo(1000);
    Thread.sleep(200);
    assertThat(dialled).doesNotContainKey("bad id");
    assertThat(refused).hasSize(2);
  }

  // --- helpers

  private GatewayEnd open(FileOpen.Op op, String name, long maxBytes) throws Exception {
    return open(op, name, maxBytes, FileOpen.Folder.HOME);
  }

  private GatewayEnd open(FileOpen.Op op, String name, long maxBytes, FileOpen.Folder folder)
      throws Exception {
    String id = tunnelId();
    tunnels.open(
        new FileOpen(id, "d-1", "bj-1", null, op, name, maxBytes, folder), link, refused::add);
    GatewayEnd end = dialled(id);
    end.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return end;
  }

  /** Sends {@code bytes} as the gateway would, announcing {@code count}, under {@code max}. */
  private GatewayEnd upload(String name, byte[] bytes, long count, long max) throws Exception {
    String id = tunnelId();
    tunnels.open(
        new FileOpen(id, "d-1", "bj-1", null, FileOpen.Op.UPLOAD, name, max), link, refused::add);
    GatewayEnd end = dialled(id);
    await().atMost(WAIT).until(() -> !end.texts.isEmpty() || end.closed.isDone());
    assertThat(end.texts).containsExactly("{\"ready\":true}");
    CompletableFuture<Void> sent = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          for (int off = 0; off < bytes.length; off += 65536) {
            int n = Math.min(65536, bytes.length - off);
            end.ws.writeBinaryMessage(Buffer.buffer().appendBytes(bytes, off, n));
          }
          end.ws.writeTextMessage(new JsonObject().put("end", count).encode());
          sent.complete(null);
        });
    sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    end.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return end;
  }

  private GatewayEnd dialled(String id) throws Exception {
    return dialled
        .computeIfAbsent(id, k -> new CompletableFuture<>())
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private List<String> entries() throws Exception {
    try (Stream<Path> all = Files.list(home)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String tunnelId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  /** The gateway's end of one dialled-back tunnel: what it received and how it was closed. */
  private static final class GatewayEnd {
    final ServerWebSocket ws;
    final List<String> texts = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    volatile int largestFrame;

    GatewayEnd(ServerWebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(texts::add);
      ws.binaryMessageHandler(
          data -> {
            synchronized (binary) {
              largestFrame = Math.max(largestFrame, data.length());
              binary.writeBytes(data.getBytes());
            }
          });
      ws.closeHandler(v -> closed.complete(null));
    }

    int closeCode() throws Exception {
      closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      Short code = ws.closeStatusCode();
      return code == null ? -1 : code;
    }

    String closeReason() {
      return ws.closeReason();
    }
  }

  /**
   * A runtime of one cluster {@code bj-1} whose one desktop, {@code d-1}, has a home and prints.
   */
  private record OneDesktop(DesktopFiles home, DesktopFiles prints) implements OneDesktopRuntime {
    @Override
    public Optional<DesktopFiles> files(String cluster, String desktopId) {
      return files(cluster, desktopId, FileOpen.Folder.HOME);
    }

    @Override
    public Optional<DesktopFiles> files(String cluster, String desktopId, FileOpen.Folder folder) {
      return OneDesktopRuntime.isTheDesktop(cluster, desktopId)
          ? Optional.of(folder == FileOpen.Folder.PRINTS ? prints : home)
          : Optional.empty();
    }
  }
}
