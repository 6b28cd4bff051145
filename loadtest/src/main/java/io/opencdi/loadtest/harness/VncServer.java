package io.opencdi.loadtest.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real TigerVNC server ({@code Xvnc} from Debian's tigervnc-standalone-server) on a free loopback
 * port without authentication, shared by every client: the display that the simulated fleet's
 * running desktops all show in the display-connection run.
 */
public final class VncServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private VncServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts Xvnc, logging into {@code log}, and waits until it accepts connections. */
  public static VncServer start(Path log) {
    Path xvnc = Path.of("/usr/bin/Xvnc");
    if (!Files.isExecutable(xvnc)) {
      throw new IllegalStateException(
          "Xvnc is missing: apt-get install tigervnc-standalone-server");
    }
    try {
      Files.createDirectories(log.getParent());
      for (int attempt = 0; attempt < 5; attempt++) {
        int port = freePort();
        // A display number unlikely to be taken on a shared machine; a clash just retries.
        int display = ThreadLocalRandom.current().nextInt(200, 60_000);
        Process p =
            new ProcessBuilder(
                    List.of(
                        xvnc.toString(),
                        ":" + display,
                        "-rfbport",
                        Integer.toString(port),
                        "-localhost",
                        "-SecurityTypes",
                        "None",
                        "-geometry",
                        "1280x800",
                        "-depth",
                        "24",
                        "-nolisten",
                        "tcp",
                        // Every connection sees the same screen; none takes it from the others.
                        "-AlwaysShared",
                        // All connections come from the agent's one address: a few viewers that
                        // drop during the handshake must not get it refused (as the desktop image).
                        "-BlacklistThreshold",
                        "1000000"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && p.isAlive()) {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            // A run that crashes before it closes its servers (or is killed) takes them along.
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "xvnc-" + port));
            return new VncServer(p, port, log);
          } catch (IOException notYet) {
            Thread.sleep(50);
          }
        }
        p.destroyForcibly();
      }
      throw new IllegalStateException("Xvnc did not start: " + Files.readString(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
