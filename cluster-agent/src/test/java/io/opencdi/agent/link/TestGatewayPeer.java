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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The gateway's side of the protocol as far as the link test needs it: records every frame, answers
 * Hello with a Welcome carrying {@link #desired}, and lets the test send frames or drop the
 * connection.
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
  volatile List<DesktopSpec> desired = INITIAL_DESIRED;
  volatile List<String> deleted = List.of();
  private volatile WebSocketConnection current;

  void opened(WebSocketConnection connection, String authorization) {
    current = connection;
    authorizations.add(String.valueOf(authorization));
  }

  void received(WebSocketConnection connection, String text) {
    Message message = codec.decode(text);
    frames.add(message);
    if (message instanceof Hello) {
      connection.sendTextAndAwait(
          codec.encode(new Welcome(ProtocolVersion.CURRENT, HEARTBEAT_SECONDS, desired, deleted)));
    }
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
    return frames.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<DesktopState> states(String desktopId) {
    return frames(DesktopStatus.class).stream()
        .filter(s -> s.desktopId().equals(desktopId))
        .map(DesktopStatus::state)
        .toList();
  }

  int indexOfAck(String commandId) {
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i) instanceof CommandAck ack && ack.commandId().equals(commandId)) {
        return i;
      }
    }
    return -1;
  }

  int indexOfFirstStatus(String desktopId) {
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
