package io.opencdi.gateway.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./opencdi up} as a user runs it: it listens on loopback only, refuses {@code --listen} on
 * another address while the seeded passwords are the defaults, says it is up only when it is ready,
 * stops everything when the gateway is killed with SIGKILL, and starts again on the same data.
 */
class LauncherIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Duration START = Duration.ofMinutes(6);

  private static Process launch(Path output, String... args) throws IOException {
    assertThat(ROOT.resolve("cluster-agent/target/quarkus-app/quarkus-run.jar"))
        .as("the cluster agent is packaged (the reactor builds it before the gateway)")
        .exists();
    List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("opencdi").toString(), "up"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .directory(Files.createTempDirectory("opencdi-cwd").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OPENCDI_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Optional<String> otherAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(
            i -> {
              try {
                return i.isUp() && !i.isLoopback();
              } catch (SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .map(InetAddress::getHostAddress)
        .findFirst();
  }

  private static boolean accepts(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  private static String read(Path output) {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for the line that tells the user it is up; fails when the launcher ends first. */
  private static void awaitUp(Process launcher, Path output) throws InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (read(output).contains("OpenCDI is up")) {
        return;
      }
      if (!launcher.isAlive()) {
        throw new AssertionError("the launcher ended:\n" + read(output));
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not up in " + START + ":\n" + read(output));
  }

  private static void stop(Process launcher) throws InterruptedException {
    List<ProcessHandle> all = launcher.descendants().toList();
    launcher.destroy();
    if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
      launcher.destroyForcibly();
    }
    all.forEach(ProcessHandle::destroyForcibly);
  }

  private static ProcessHandle part(Process launcher, String marker) {
    return launcher
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(marker))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no process with " + marker));
  }

  @Test
  void listeningBeyondLoopbackIsRefusedWhileTheSeededPasswordsAreTheDefaults() throws Exception {
    Optional<String> other = otherAddress();
    assumeTrue(other.isPresent(), "this machine has no non-loopback address");
    Path data = Files.createTempDirectory("opencdi-listen");
    Path output = data.resolveSibling(data.getFileName() + ".out");
    int port = freePort();
    Process launcher =
        launch(output, "--listen", other.get(), "--port", "" + port, "--data-dir", data.toString());
    try {
      assertThat(launcher.waitFor(START.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(launcher.exitValue()).isNotZero();
      assertThat(read(output))
          .contains("The gateway stopped")
          .contains("still have their default passwords")
          .doesNotContain("OpenCDI is up");
      assertThat(accepts(other.get(), port)).as("listening on " + other.get()).isFalse();
      assertThat(data.resolve("agent.log")).as("the agent never started").doesNotExist();
    } finally {
      stop(launcher);
    }
  }

  @Test
  void upServesLoopbackOnlyStopsEverythingWhenTheGatewayIsKilledAndStartsAgain() throws Exception {
    Path data = Files.createTempDirectory("opencdi-up");
    Path output = data.resolveSibling(data.getFileName() + ".out");
    int port = freePort();
    Process launcher = launch(output, "--port", "" + port, "--data-dir", data.toString());
    try {
      awaitUp(launcher, output);
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      Optional<String> other = otherAddress();
      if (other.isPresent()) {
        assertThat(accepts(other.get(), port)).as("listening on " + other.get()).isFalse();
      }

      ProcessHandle gateway = part(launcher, "-Dopencdi.data-dir=" + data);
      ProcessHandle agent = part(launcher, "-Dopencdi.agent.id=embedded");
      long pid =
          Long.parseLong(
              Files.readAllLines(data.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
      ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();

      gateway.destroyForcibly();

      // Everything stops, the database included, and the launcher says which part stopped.
      assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as(read(output)).isTrue();
      assertThat(launcher.exitValue()).isNotZero();
      assertThat(read(output)).contains("The gateway stopped");
      agent.onExit().get(30, TimeUnit.SECONDS);
      postmaster.onExit().get(30, TimeUnit.SECONDS);
    } finally {
      stop(launcher);
    }

    Path again = data.resolveSibling(data.getFileName() + ".again.out");
    Process second = launch(again, "--port", "" + port, "--data-dir", data.toString());
    try {
      awaitUp(second, again);
      // Ctrl-C's sibling, SIGTERM: every part ends, and nothing is reported as having failed.
      List<ProcessHandle> parts = second.descendants().toList();
      second.destroy();
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).as(read(again)).isTrue();
      for (ProcessHandle p : parts) {
        p.onExit().get(30, TimeUnit.SECONDS);
      }
      assertThat(read(again)).contains("Stopping OpenCDI").doesNotContain("stopped; see");
    } finally {
      stop(second);
    }
    new ProcessBuilder("rm", "-rf", data.toString()).start().waitFor(30, TimeUnit.SECONDS);
  }
}
