package io.opencdi.agent.link;

import io.opencdi.protocol.ProtocolVersion;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A stand-in for the gateway's control-channel endpoint, served by the test application itself (the
 * real gateway lives in another module). It only forwards to {@link TestGatewayPeer}.
 */
@WebSocket(path = ProtocolVersion.PATH)
public class TestGateway {
  private final TestGatewayPeer peer;

  TestGateway(TestGatewayPeer peer) {
    this.peer = peer;
  }

  @OnOpen
  void open(WebSocketConnection connection, HandshakeRequest handshake) {
    peer.opened(connection, handshake.header("Authorization"));
  }

  @OnTextMessage
  void text(String text, WebSocketConnection connection) {
    peer.received(connection, text);
  }

  @OnClose
  void close(WebSocketConnection connection) {
    peer.closed(connection);
  }
}
