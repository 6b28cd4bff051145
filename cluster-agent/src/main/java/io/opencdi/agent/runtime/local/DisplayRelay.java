package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import org.jboss.logging.Logger;

/**
 * The agent's way to a desktop's display: the desktop's Xvnc serves RFB only on a Unix socket (mode
 * 600, its own user's), and this relay offers it to the agent's tunnel on a loopback port of the
 * host's network namespace, which no desktop can reach (each has a network namespace of its own).
 * Before relaying, the peer of the socket must be a process of the desktop's own user: a desktop
 * that replaced its socket by a link to another socket gets nothing (ADR 0021).
 */
final class DisplayRelay implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DisplayRelay.class);
  private static final int BUFFER = 64 * 1024;

  /**
   * The longest socket path the JDK connects to: {@code sun_path} holds 108 bytes and the JDK keeps
   * two back (a final NUL, a leading one for abstract names), so a 107-byte path that Xvnc binds is
   * still "too long" to connect to.
   */
  static final int MAX_SOCKET_PATH = 106;

  private static final String SHORTCUT = "d";

  private final ServerSocketChannel server;
  private final Path socket;
  private final Path shortcut;
  private final int uid;
  private final String desktopId;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

  /**
   * Listens on a free loopback port for the display served on {@code socket}.
   *
   * @param uid the desktop's user id: the only acceptable peer of the socket (-1: any)
   */
  DisplayRelay(String desktopId, Path socket, int uid) throws IOException {
    this.desktopId = desktopId;
    this.uid = uid;
    if (pathBytes(socket) > MAX_SOCKET_PATH) {
      // A data directory deep in the file system makes the socket's path too long to connect to
      // (or bind): it is reached through a link to its directory from a private directory of the
      // agent's (mode 700) under the temporary directory.
      this.shortcut = Files.createTempDirectory("opencdi-vnc");
      Files.createSymbolicLink(shortcut.resolve(SHORTCUT), socket.getParent());
      this.socket = shortcut.resolve(SHORTCUT).resolve(socket.getFileName());
      if (pathBytes(this.socket) > MAX_SOCKET_PATH) {
        removeShortcut();
        throw new IOException(
            "the display socket's path "
                + this.socket
                + " is longer than "
                + MAX_SOCKET_PATH
                + " bytes even from the temporary directory; set java.io.tmpdir shorter");
      }
    } else {
      this.shortcut = null;
      this.socket = socket;
    }
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    Thread.ofVirtual().name("opencdi-relay-" + desktopId).start(this::acceptLoop);
  }

  /**
   * The path by which the display's socket is reached: its own, or one through a short link when
   * its own is too long for a socket address. Xvnc sharing the agent's mount namespace listens on
   * this path too.
   */
  Path socketPath() {
    return socket;
  }

  private static int pathBytes(Path path) {
    return path.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  private void removeShortcut() {
    if (shortcut == null) {
      return;
    }
    try {
      Files.deleteIfExists(shortcut.resolve(SHORTCUT));
      Files.deleteIfExists(shortcut);
    } catch (IOException e) {
      LOG.debugf("desktop %s: could not remove %s: %s", desktopId, shortcut, e.getMessage());
    }
  }

  /** The loopback port the agent dials. */
  int port() {
    return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
  }

  /**
   * Opens the desktop's socket, refusing one that is not a socket or whose listening process is not
   * the desktop's user.
   */
  static SocketChannel openDisplay(Path socket, int uid) throws IOException {
    return openOwned(socket, uid, "display");
  }

  /**
   * Opens one of the desktop's Unix sockets ({@code what} names it in messages), refusing one that
   * is not a socket or whose listening process is not the desktop's user ({@code uid}; -1: any).
   */
  static SocketChannel openOwned(Path socket, int uid, String what) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(socket.toString(), null, "the desktop has not made it yet");
    }
    if (!isSocket(socket)) {
      throw new SecurityException(socket + " is not a socket");
    }
    SocketChannel display = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      display.connect(UnixDomainSocketAddress.of(socket));
      if (uid >= 0) {
        String peer = display.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
        if (!peer.equals(Integer.toString(uid)) && !peer.equals(userName(uid))) {
          throw new SecurityException(
              "the " + what + " socket " + socket + " is served by user " + peer + ", not " + uid);
        }
      }
      return display;
    } catch (IOException | RuntimeException e) {
      display.close();
      throw e;
    }
  }

  private static boolean isSocket(Path path) {
    try {
      Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return ((Integer) mode & 0170000) == 0140000;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static String userName(int uid) {
    // A uid of the range usually has no account; one that has is reported by its name.
    try (var lines = Files.lines(Path.of("/etc/passwd"))) {
      return lines
          .map(l -> l.split(":", -1))
          .filter(f -> f.length > 2 && f[2].equals(Integer.toString(uid)))
          .map(f -> f[0])
          .findFirst()
          .orElse(Integer.toString(uid));
    } catch (IOException e) {
      return Integer.toString(uid);
    }
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().name("opencdi-relay-" + desktopId).start(() -> relay(client));
    }
  }

  private void relay(SocketChannel client) {
    SocketChannel display;
    try {
      display = openDisplay(socket, uid);
    } catch (SecurityException e) {
      LOG.warnf("desktop %s: display refused: %s", desktopId, e.getMessage());
      closeQuietly(client);
      return;
    } catch (IOException | RuntimeException e) {
      // Not up yet (start-up probes) or gone: the client sees the connection end.
      LOG.debugf("desktop %s: display not reachable: %s", desktopId, e.getMessage());
      closeQuietly(client);
      return;
    }
    open.add(client);
    open.add(display);
    Thread back = Thread.ofVirtual().start(() -> copy(display, client));
    copy(client, display);
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    open.remove(client);
    open.remove(display);
  }

  /** Copies until either side ends, then closes both (the other copier then ends too). */
  private static void copy(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // a side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // already closed
    }
  }

  /** Stops listening and ends every relayed connection. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    open.forEach(DisplayRelay::closeQuietly);
    removeShortcut();
  }
}
