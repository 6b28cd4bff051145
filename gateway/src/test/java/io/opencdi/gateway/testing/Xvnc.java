package io.opencdi.gateway.testing;

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
 * A real TigerVNC server (Debian {@code tigervnc-standalone-server}) on a free loopback port, with
 * no authentication. Fails loudly when Xvnc is not installed: CI installs it (see .ci/run).
 */
public final class Xvnc implements AutoCloseable {
  public static final int WIDTH = 1024;
  public static final int HEIGHT = 768;

  private final Process process;
  private final int port;
  private final int display;
  private final Path log;

  private Xvnc(Process process, int port, int display, Path log) {
    this.process = process;
    this.port = port;
    this.display = display;
    this.log = log;
  }

  /** Starts Xvnc and waits until it accepts RFB connections. */
  public static Xvnc start() {
    if (!Files.isExecutable(Path.of("/usr/bin/Xvnc"))) {
      throw new IllegalStateException(
          "Xvnc is missing: apt-get install tigervnc-standalone-server (CI installs it)");
    }
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      // A display number nobody else on a shared build machine is likely to use.
      int display = ThreadLocalRandom.current().nextInt(200, 60000);
      try {
        Path log = Files.createTempFile("xvnc", ".log");
        Process p =
            new ProcessBuilder(
                    List.of(
                        "/usr/bin/Xvnc",
                        ":" + display,
                        "-rfbport",
                        Integer.toString(port),
                        "-localhost",
                        "-SecurityTypes",
                        "None",
                        "-geometry",
                        WIDTH + "x" + HEIGHT,
                        "-depth",
                        "24",
                        "-nolisten",
                        "tcp",
                        "-AlwaysShared"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && p.isAlive()) {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return new Xvnc(p, port, display, log);
          } catch (IOException notYet) {
            Thread.sleep(50);
          }
        }
        p.destroyForcibly();
        last = new IllegalStateException("Xvnc did not start: " + Files.readString(log));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw last;
  }

  /** A free TCP port on loopback (nothing listens on it once this returns). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** The X display, {@code :N}, for X clients in the "desktop". */
  public String display() {
    return ":" + display;
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log)";
    }
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
    }
  }
}
