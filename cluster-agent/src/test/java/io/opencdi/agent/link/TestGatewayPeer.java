package io.opencdi.agent.link;

import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.Welcome;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The gateway's side of the protocol as far as the link test needs it: records every frame (all of
 * them, and each connection's on their own), answers Hello with a Welcome carrying {@link #desired}
 * and {@link #deleted}, and lets the test send frames or drop the connection.
 */
@Singleton
public class TestGatewayPeer {
  static final int HEARTBEAT_SECONDS = 1;

  /** What the first Welcome asks for: one desktop on, one off. */
  static final List<DesktopSpec> INITIAL_DESIRED =
      List.of(
          spec("w1", "bj-1", "bj-1-node-001", Power.ON),
          spec("w2", "bj-1", "bj-1-node-002", Power.OFF));

  private final ProtocolCodec codec = new ProtocolCodec();
  final List<Message> frames = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  /** Every connection the agent opened, oldest first. */
  final List<Connection> connections = new CopyOnWriteArrayList<>();

  private final Map<String, Connection> byId = new ConcurrentHashMap<>();
  volatile List<DesktopSpec> desired = INITIAL_DESIRED;
  volatile List<String> deleted = List.of();

  /** While set, a Hello is not answered until {@link #releaseWelcome()}. */
  volatile boolean holdWelcome;

  private volatile WebSocketConnection unwelcomed;
  private volatile WebSocketConnection current;

  void opened(WebSocketConnection connection, String authorization) {
    current = connection;
    authorizations.add(String.valueOf(authorization));
    Connection c = new Connection(String.valueOf(authorization));
    byId.put(connection.id(), c);
    connections.add(c);
  }

  void received(WebSocketConnection connection, String text) {
    Message message = codec.decode(text);
    frames.add(message);
    byId.get(connection.id()).frames.add(message);
    if (message instanceof Hello) {
      if (holdWelcome) {
        unwelcomed = connection;
      } else {
        welcome(connection);
      }
    }
  }

  /** Sends the Welcome held back from the agent's last Hello ({@link #holdWelcome}). */
  void releaseWelcome() {
    holdWelcome = false;
    welcome(unwelcomed);
  }

  private void welcome(WebSocketConnection connection) {
    Connection c = byId.get(connection.id());
    c.welcomedAt = c.frames.size();
    connection.sendTextAndAwait(
        codec.encode(new Welcome(ProtocolVersion.CURRENT, HEARTBEAT_SECONDS, desired, deleted)));
  }

  void closed(WebSocketConnection connection) {
    if (current == connection) {
      current = null;
    }
  }

  /** Sends a frame to the connected agent. */
  void send(Message message) {
    current.sendTextAndAwait(codec.encode(message));
  }

  /** Sends raw text to the connected agent. */
  void sendText(String text) {
    current.sendTextAndAwait(text);
  }

  /** Drops the agent's connection, as a restarting gateway would. */
  void disconnect() {
    current.closeAndAwait();
  }

  /** Closes the agent's connection with an application close code. */
  void disconnect(CloseReason reason) {
    current.closeAndAwait(reason);
  }

  <T extends Message> List<T> frames(Class<T> type) {
    return frames(frames, type);
  }

  List<DesktopState> states(String desktopId) {
    return states(frames, desktopId);
  }

  int indexOfAck(String commandId) {
    return indexOfAck(frames, commandId);
  }

  int indexOfFirstStatus(String desktopId) {
    return indexOfFirstStatus(frames, desktopId);
  }

  /** One connection of the agent: the Authorization it dialled with and what it sent, in order. */
  static final class Connection {
    final String authorization;
    final List<Message> frames = new CopyOnWriteArrayList<>();

    /** How many frames the agent had sent on this connection when it was welcomed (-1: not yet). */
    volatile int welcomedAt = -1;

    Connection(String authorization) {
      this.authorization = authorization;
    }

    <T extends Message> List<T> frames(Class<T> type) {
      return TestGatewayPeer.frames(frames, type);
    }

    List<DesktopState> states(String desktopId) {
      return TestGatewayPeer.states(frames, desktopId);
    }

    int indexOfAck(String commandId) {
      return TestGatewayPeer.indexOfAck(frames, commandId);
    }

    int indexOfFirstStatus(String desktopId) {
      return TestGatewayPeer.indexOfFirstStatus(frames, desktopId);
    }
  }

  private static <T extends Message> List<T> frames(List<Message> frames, Class<T> type) {
    return frames.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static List<DesktopState> states(List<Message> frames, String desktopId) {
    return frames(frames, DesktopStatus.class).stream()
        .filter(s -> s.desktopId().equals(desktopId))
        .map(DesktopStatus::state)
        .toList();
  }

  private static int indexOfAck(List<Message> frames, String commandId) {
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i) instanceof CommandAck ack && ack.commandId().equals(commandId)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOfFirstStatus(List<Message> frames, String desktopId) {
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i) instanceof DesktopStatus s && s.desktopId().equals(desktopId)) {
        return i;
      }
    }
    return -1;
  }

  static DesktopSpec spec(String id, String cluster, String node, Power power) {
    return new DesktopSpec(
        id,
        id,
        "alice",
        cluster,
        node,
        "opencdi/desktop-xfce:0.1",
        2000,
        4096,
        "gvisor",
        "longhorn",
        10,
        power);
  }
}
