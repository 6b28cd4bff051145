package io.opencdi.gateway.connect.bench;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.connect.Tunnels;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.Rfb;
import io.opencdi.gateway.testing.Xvnc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetClient;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Broker overhead, side by side in one run (docs/perf/broker.md): the same echo "display" reached
 * (1) through gateway and agent, (2) through a direct Vert.x WebSocket-to-TCP splice in one hop,
 * (3) through websockify; plus concurrent brokered connections with the heap they take, and time to
 * first frame of a real Xvnc after connectDesktop. A benchmark, not a test: it runs only with
 * {@code -Dopencdi.bench=true} and asserts only that the paths work.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@EnabledIfSystemProperty(named = "opencdi.bench", matches = "true")
class BrokerBenchmark {
  private static final int ROUNDS = Integer.getInteger("opencdi.bench.rounds", 3);
  private static final int PINGS = Integer.getInteger("opencdi.bench.pings", 2000);
  private static final long STREAM_BYTES = Long.getLong("opencdi.bench.stream-mib", 64) << 20;
  private static final int FRAME = 32 * 1024;
  private static final int CONNECTIONS = Integer.getInteger("opencdi.bench.connections", 1000);
  private static final int FIRST_FRAMES = Integer.getInteger("opencdi.bench.first-frames", 30);

  @TestHTTPResource("/")
  URL base;

  @Inject Vertx vertx;
  @Inject Tunnels tunnels;

  private String alice;
  private final StringBuilder report = new StringBuilder();

  @Test
  void brokerOverhead() throws Exception {
    int echoPort = Xvnc.freePort();
    try (EchoServer echo = EchoServer.start(echoPort);
        Xvnc xvnc = Xvnc.start();
        AgentProcess agent =
            AgentProcess.start(
                base.getPort(),
                PostgresResource.AGENT_TOKEN,
                """
                clusters:
                  - name: bench-echo
                    region: bench-echo
                    nodes: { count: 1, cpuMillis: 4000000, memoryMiB: 2621440, maxDesktops: 110 }
                  - name: bench-vnc
                    region: bench-vnc
                    nodes: { count: 1, cpuMillis: 64000, memoryMiB: 262144, maxDesktops: 110 }
                """,
                "bench-agent",
                Map.of(
                    "opencdi.agent.runtime",
                    "simulated,local",
                    "opencdi.agent.simulated.shared-displays.bench-echo",
                    "127.0.0.1:" + echoPort,
                    "opencdi.agent.simulated.shared-displays.bench-vnc",
                    "127.0.0.1:" + xvnc.port(),
                    "opencdi.agent.local.cluster-name",
                    "bench-local",
                    "opencdi.agent.local.region",
                    "bench-local",
                    "opencdi.agent.local.cpu-millis",
                    "16000",
                    "opencdi.agent.local.storage-classes",
                    "longhorn",
                    "opencdi.agent.local.session",
                    "openbox",
                    "opencdi.agent.local.data-dir",
                    localData()))) {
      // A loaded machine may answer the first requests slowly: retry rather than give up.
      String admin =
          await()
              .atMost(Duration.ofMinutes(3))
              .ignoreExceptions()
              .until(() -> login("admin"), t -> t != null);
      alice =
          await()
              .atMost(Duration.ofMinutes(3))
              .ignoreExceptions()
              .until(() -> login("alice"), t -> t != null);
      await()
          .atMost(Duration.ofSeconds(180))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(
                          run(admin, "clusters", "Clusters")
                              .getList("data.clusters.findAll { it.ready }.name"))
                      .as(agent::log)
                      .contains("bench-echo", "bench-vnc", "bench-local"));
      String template =
          run(admin, "templates", "Templates")
              .getString("data.templates.find { it.name == 'openbox-small' }.id");
      String echoDesktop = desktop(template, "bench-echo");
      String vncDesktop = desktop(template, "bench-vnc");

      HttpServer direct = directSplice(echoPort);
      int websockifyPort = Xvnc.freePort();
      Process websockify =
          new ProcessBuilder("websockify", "127.0.0.1:" + websockifyPort, "127.0.0.1:" + echoPort)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        EchoServer.waitForPort(websockifyPort, websockify);
        Map<String, java.util.function.Supplier<String>> paths = new LinkedHashMap<>();
        paths.put("broker (gateway + agent)", () -> ticket(echoDesktop));
        paths.put("direct Vert.x WS→TCP", () -> "ws://127.0.0.1:" + direct.actualPort() + "/");
        paths.put(
            "websockify " + websockifyVersion(), () -> "ws://127.0.0.1:" + websockifyPort + "/");
        overhead(paths);
        flush();
        concurrent(echoDesktop);
        flush();
        firstFrames(vncDesktop, "shared Xvnc of a simulated desktop");
        String local = desktop(template, "bench-local");
        try {
          firstFrames(local, "local runtime desktop (entrypoint.sh: Xvnc + openbox)");
          startToFirstFrame(local);
        } finally {
          run(alice, "desktops", "DeleteDesktop", "id", local);
          await().atMost(Duration.ofSeconds(60)).until(() -> "DELETED".equals(state(local)));
        }
      } finally {
        websockify.destroy();
        direct.close();
      }
    }
    flush();
  }

  private void flush() throws java.io.IOException {
    Files.writeString(Path.of("target", "broker-bench.md"), report);
    System.out.println("\n" + report);
  }

  // ---- 1. throughput and latency, side by side

  private void overhead(Map<String, java.util.function.Supplier<String>> paths) throws Exception {
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      for (var path : paths.entrySet()) {
        try (StreamClient c = StreamClient.open(vertx, path.getValue().get(), origin())) {
          for (int i = 0; i < 300; i++) {
            c.roundTrip(64);
          }
          long[] rtt = new long[PINGS];
          for (int i = 0; i < PINGS; i++) {
            rtt[i] = c.roundTrip(64);
          }
          Arrays.sort(rtt);
          c.stream(8L << 20, FRAME);
          long nanos = c.stream(STREAM_BYTES, FRAME);
          double mibps = (STREAM_BYTES / (1024.0 * 1024.0)) / (nanos / 1e9);
          results
              .computeIfAbsent(path.getKey(), k -> new ArrayList<>())
              .add(new double[] {mibps, micros(percentile(rtt, 50)), micros(percentile(rtt, 99))});
        }
      }
    }
    report
        .append("### Throughput and round trip, echo display, ")
        .append(ROUNDS)
        .append(" rounds\n\n");
    report.append(
        "| path | echo throughput MiB/s (median of rounds) | RTT p50 µs | RTT p99 µs | rounds (MiB/s) |\n");
    report.append("|---|---|---|---|---|\n");
    for (var e : results.entrySet()) {
      report
          .append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(fmt(median(e.getValue(), 0)))
          .append(" | ")
          .append(fmt(median(e.getValue(), 1)))
          .append(" | ")
          .append(fmt(median(e.getValue(), 2)))
          .append(" | ")
          .append(e.getValue().stream().map(r -> fmt(r[0])).toList())
          .append(" |\n");
    }
    report
        .append("\nStream: ")
        .append(STREAM_BYTES >> 20)
        .append(" MiB in ")
        .append(FRAME / 1024)
        .append(" KiB binary messages, echoed back (each byte crosses the path twice). RTT: ")
        .append(PINGS)
        .append(" round trips of 64-byte messages after 300 warm-up ones.\n\n");
  }

  // ---- 2. concurrent brokered connections and heap

  private void concurrent(String desktop) throws Exception {
    long before = usedHeapAfterGc();
    List<StreamClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        open.add(StreamClient.open(vertx, ticket(desktop), origin()));
      }
      int failed = 0;
      for (StreamClient c : open) {
        try {
          c.roundTrip(16); // every connection is spliced through to the display
        } catch (Exception e) {
          failed++; // e.g. closed with 4504 when the agent's dial-back was slower than 5 s
        }
      }
      report.append("Connections that did not echo: ").append(failed).append("\n\n");
      long after = usedHeapAfterGc();
      long alive = open.stream().filter(StreamClient::isOpen).count();
      report.append("### Concurrent brokered connections\n\n");
      report.append(
          "| connections open and echoing | gateway `opencdi.display.connections` | heap after GC before | after | per connection |\n");
      report.append("|---|---|---|---|---|\n");
      report
          .append("| ")
          .append(alive)
          .append(" | ")
          .append(tunnels.connections())
          .append(" | ")
          .append(after < 0 ? "?" : (before >> 20) + " MiB")
          .append(" | ")
          .append((after >> 20) + " MiB")
          .append(" | ")
          .append(((after - before) / CONNECTIONS) / 1024)
          .append(" KiB |\n\n");
      report.append(
          "The heap is the benchmark JVM's: the gateway plus the test's own WebSocket clients, so the"
              + " per-connection figure is an upper bound for the gateway.\n\n");
    } finally {
      open.forEach(StreamClient::close);
    }
  }

  // ---- 3. time to first frame after connectDesktop (real Xvnc)

  private void firstFrames(String desktop, String what) throws Exception {
    long[] ttff = new long[FIRST_FRAMES];
    for (int i = 0; i < FIRST_FRAMES; i++) {
      long start = System.nanoTime();
      String url = ticket(desktop);
      try (DisplayClient viewer = DisplayClient.open(url, origin(), "binary")) {
        Rfb.ServerInit init = Rfb.handshake(viewer);
        assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
        ttff[i] = System.nanoTime() - start;
      }
    }
    Arrays.sort(ttff);
    report.append("### Time to first frame after connectDesktop: ").append(what).append("\n\n");
    report.append("| runs | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
    report
        .append("| ")
        .append(FIRST_FRAMES)
        .append(" | ")
        .append(fmt(percentile(ttff, 50) / 1e6))
        .append(" | ")
        .append(fmt(percentile(ttff, 90) / 1e6))
        .append(" | ")
        .append(fmt(percentile(ttff, 99) / 1e6))
        .append(" | ")
        .append(fmt(ttff[ttff.length - 1] / 1e6))
        .append(" |\n\n");
    report.append(
        "From sending the connectDesktop mutation to the first byte of the first FramebufferUpdate"
            + " (GraphQL, ticket redeem in PostgreSQL, tunnel request, agent dial-back, RFB handshake).\n");
  }

  /** From startDesktop of a stopped local desktop to its first frame through the broker. */
  private void startToFirstFrame(String desktop) throws Exception {
    int runs = Integer.getInteger("opencdi.bench.starts", 5);
    long[] times = new long[runs];
    for (int i = 0; i < runs; i++) {
      run(alice, "desktops", "StopDesktop", "id", desktop);
      await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(state(desktop)));
      long start = System.nanoTime();
      run(alice, "desktops", "StartDesktop", "id", desktop);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(25))
          .until(() -> "RUNNING".equals(state(desktop)));
      try (DisplayClient viewer = DisplayClient.open(ticket(desktop), origin(), "binary")) {
        Rfb.ServerInit init = Rfb.handshake(viewer);
        assertThat(Rfb.requestFullUpdate(viewer, init)).isZero();
        times[i] = System.nanoTime() - start;
      }
    }
    Arrays.sort(times);
    report.append("\n### startDesktop to first frame: local runtime desktop\n\n");
    report.append("| runs | p50 ms | max ms |\n|---|---|---|\n");
    report
        .append("| ")
        .append(runs)
        .append(" | ")
        .append(fmt(percentile(times, 50) / 1e6))
        .append(" | ")
        .append(fmt(times[runs - 1] / 1e6))
        .append(" |\n\n");
    report.append(
        "From the startDesktop mutation of a STOPPED desktop (same home) to the first"
            + " FramebufferUpdate byte: placement, command to the agent, entrypoint.sh starting Xvnc"
            + " and openbox, RUNNING seen by polling the desktop every 25 ms, connectDesktop, tunnel,"
            + " RFB handshake.\n");
  }

  // ---- helpers

  private String state(String desktop) {
    return run(alice, "desktops", "Desktop", "id", desktop).getString("data.desktop.state");
  }

  private static String localData() {
    try {
      Path dir = Files.createTempDirectory("opencdi-bench-desktops");
      Files.setPosixFilePermissions(
          dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      return dir.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A WebSocket-to-TCP splice in one hop with the same Vert.x flow control the broker uses. */
  private HttpServer directSplice(int echoPort) throws Exception {
    NetClient net =
        vertx.createNetClient(new io.vertx.core.net.NetClientOptions().setTcpNoDelay(true));
    return vertx
        .createHttpServer(new io.vertx.core.http.HttpServerOptions().setTcpNoDelay(true))
        .webSocketHandler(
            ws -> {
              ws.pause();
              net.connect(echoPort, "127.0.0.1")
                  .onSuccess(
                      socket -> {
                        ws.pipeTo(socket);
                        socket.handler(
                            data -> {
                              ws.writeBinaryMessage(data);
                              if (ws.writeQueueFull()) {
                                socket.pause();
                                ws.drainHandler(v -> socket.resume());
                              }
                            });
                        socket.closeHandler(v -> ws.close());
                        ws.resume();
                      })
                  .onFailure(e -> ws.close());
            })
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private String desktop(String template, String region) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", template);
    in.put("region", region);
    String id =
        run(alice, "desktops", "CreateDesktop", "input", in).getString("data.createDesktop.id");
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                "RUNNING"
                    .equals(
                        run(alice, "desktops", "Desktop", "id", id)
                            .getString("data.desktop.state")));
    return id;
  }

  private String ticket(String desktop) {
    return run(alice, "connect", "ConnectDesktop", "id", desktop)
        .getString("data.connectDesktop.url");
  }

  private String origin() {
    return "http://localhost:" + base.getPort();
  }

  private static String websockifyVersion() {
    try {
      Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "websockify").start();
      return "(Debian " + new String(p.getInputStream().readAllBytes()).strip() + ")";
    } catch (Exception e) {
      return "";
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }

  private static double median(List<double[]> rows, int column) {
    double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return values[values.length / 2];
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }
}
