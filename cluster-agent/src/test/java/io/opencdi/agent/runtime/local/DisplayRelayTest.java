package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay opens a desktop's display socket only when it is a socket served by the desktop's own
 * user: a link planted in its place, or a socket served by someone else, is refused.
 */
class DisplayRelayTest {
  @TempDir Path tmp;

  @Test
  void onlyASocketOfTheDesktopsOwnUserIsRelayed() throws Exception {
    Path socket = tmp.resolve("rfb.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread.ofVirtual()
          .start(
              () -> {
                while (server.isOpen()) {
                  SocketChannel c;
                  try {
                    c = server.accept();
                  } catch (Exception e) {
                    return; // the test ended
                  }
                  // A refused opener may have hung up already: its broken pipe ends only that
                  // connection, never the stub, so the relayed connection later still gets a
                  // banner.
                  try (c) {
                    c.write(ByteBuffer.wrap("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII)));
                  } catch (Exception e) {
                    // that caller left first
                  }
                }
              });
      int me = HostCommands.uid();

      // Served by another user than the desktop's: refused.
      assertThatThrownBy(() -> DisplayRelay.openDisplay(socket, me + 1))
          .isInstanceOf(SecurityException.class)
          .hasMessageContaining("not " + (me + 1));

      // A link in the socket's place (to another desktop's socket): refused, never followed.
      Path link = tmp.resolve("planted.sock");
      Files.createSymbolicLink(link, socket);
      assertThatThrownBy(() -> DisplayRelay.openDisplay(link, me))
          .isInstanceOf(SecurityException.class)
          .hasMessageContaining("is not a socket");
      Path file = Files.writeString(tmp.resolve("file.sock"), "x");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      assertThatThrownBy(() -> DisplayRelay.openDisplay(file, me))
          .isInstanceOf(SecurityException.class);

      // Through the relay, the desktop's own socket answers with its banner.
      try (DisplayRelay relay = new DisplayRelay("r1", socket, me)) {
        assertThat(Rfb.banner("127.0.0.1", relay.port(), 2_000)).startsWith("RFB 003.008");
      }
    }
  }

  @Test
  void aDisplayDeepInTheFileSystemIsRelayedThroughAShortLink() throws Exception {
    // A data directory such as a user's deep checkout: the socket's own path is too long for a
    // socket address, so even binding it needs a shorter way to its directory. 107 bytes fit
    // sun_path but not the JDK, which keeps two bytes back; 160 fit neither.
    for (int length : new int[] {107, 160}) {
      relaysASocketWhosePathHas(length);
    }
  }

  private void relaysASocketWhosePathHas(int length) throws Exception {
    String tail = "/vnc/rfb.sock";
    String padding = "d".repeat(length - tmp.toString().length() - 1 - tail.length());
    Path deep = tmp.resolve(padding).resolve("vnc");
    Files.createDirectories(deep);
    Path socket = deep.resolve("rfb.sock");
    assertThat(socket.toString()).hasSize(length);
    Path way = tmp.resolve("w" + length);
    Files.createSymbolicLink(way, deep);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(way.resolve("rfb.sock")));
      assertThat(socket).exists();
      Thread.ofVirtual()
          .start(
              () -> {
                try (SocketChannel c = server.accept()) {
                  c.write(ByteBuffer.wrap("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII)));
                } catch (Exception e) {
                  // the test ended
                }
              });
      Path shortcut;
      try (DisplayRelay relay = new DisplayRelay("r" + length, socket, HostCommands.uid())) {
        assertThat(relay.socketPath().toString().length())
            .isLessThanOrEqualTo(DisplayRelay.MAX_SOCKET_PATH);
        assertThat(relay.socketPath()).isNotEqualTo(socket);
        shortcut = relay.socketPath().getParent().getParent();
        assertThat(Files.getPosixFilePermissions(shortcut))
            .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Rfb.banner("127.0.0.1", relay.port(), 2_000)).startsWith("RFB 003.008");
      }
      // The link goes with the relay.
      assertThat(shortcut).doesNotExist();
    }
  }
}
