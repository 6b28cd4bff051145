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
 * An RFB 3.8 server in its own process (Python asyncio), standing in for a display: after the
 * handshake (security None, a 64 x 64 ServerInit named "bench") every ClientCutText the viewer
 * sends comes back as a ServerCutText of the same length, so both directions of a path carry the
 * same bytes and the broker follows (and checks) real RFB messages. Kept out of the benchmark's JVM
 * so that its sockets do not count in the gateway's heap.
 */
final class EchoServer implements AutoCloseable {
  /** Bytes the server sends before the echo starts: version, security, result, ServerInit. */
  static final int HANDSHAKE_BYTES = 12 + 2 + 4 + 24 + 5;

  private static final String SCRIPT =
      """
      import asyncio, struct, sys
      SERVER_INIT = struct.pack('>HHBBBBHHHBBB3xI', 64, 64, 32, 24, 0, 1, 255, 255, 255,
                                16, 8, 0, 5) + b'bench'
      async def serve(reader, writer):
          try:
              writer.write(b'RFB 003.008\\n')
              await reader.readexactly(12)
              writer.write(bytes([1, 1]))
              await reader.readexactly(1)
              writer.write(struct.pack('>I', 0))
              await reader.readexactly(1)
              writer.write(SERVER_INIT)
              await writer.drain()
              while True:
                  header = await reader.readexactly(8)
                  if header[0] != 6:
                      break
                  writer.write(b'\\x03' + header[1:])
                  left = struct.unpack('>I', header[4:])[0]
                  while left > 0:
                      data = await reader.read(min(left, 65536))
                      if not data:
                          return
                      writer.write(data)
                      left -= len(data)
                  await writer.drain()
          except (ConnectionError, asyncio.IncompleteReadError):
              pass
          finally:
              writer.close()
      async def main():
          server = await asyncio.start_server(serve, '127.0.0.1', int(sys.argv[1]), backlog=4096)
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
