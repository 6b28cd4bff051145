package io.opencdi.gateway.connect.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TCP echo server in its own process (Python asyncio), standing in for a display: whatever the
 * viewer sends comes back, so both directions of a path carry the same bytes. Kept out of the
 * benchmark's JVM so that its sockets do not count in the gateway's heap.
 */
final class EchoServer implements AutoCloseable {
  private static final String SCRIPT =
      """
      import asyncio, sys
      async def echo(reader, writer):
          try:
              while True:
                  data = await reader.read(65536)
                  if not data:
                      break
                  writer.write(data)
                  await writer.drain()
          except ConnectionError:
              pass
          finally:
              writer.close()
      async def main():
          server = await asyncio.start_server(echo, '127.0.0.1', int(sys.argv[1]), backlog=4096)
          async with server:
              await server.serve_forever()
      asyncio.run(main())
      """;

  private final Process process;
  final int port;

  private EchoServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static EchoServer start(int port) throws Exception {
    Path script = Files.createTempFile("echo", ".py");
    Files.writeString(script, SCRIPT);
    Process p =
        new ProcessBuilder(List.of("python3", script.toString(), Integer.toString(port)))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    waitForPort(port, p);
    return new EchoServer(p, port);
  }

  static void waitForPort(int port, Process p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new UncheckedIOException(new IOException("nothing listens on port " + port));
  }

  @Override
  public void close() {
    process.destroy();
  }
}
