package io.opencdi.gateway.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A graphql-transport-ws client written on a bare TCP socket, frame by frame, so that it can stop
 * reading for real: its receive buffer is made small before it connects, and while the test does
 * not call {@link #read}, nothing takes bytes off the socket — the kernel's buffers on both sides
 * fill up and the gateway's own queue for the connection grows, as with a console that hangs or a
 * congested network.
 */
public final class StallingSocket implements AutoCloseable {
  /** A WebSocket frame as the server sent it. */
  public record Frame(int opcode, byte[] payload) {
    public static final int TEXT = 0x1;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame; 1005 when it has none. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  /** What reading until the end of the connection found. */
  public record Ending(List<Frame> frames, Frame close, IOException failure) {}

  /** A read that never returns fails the test instead of hanging it. */
  private static final int READ_TIMEOUT = 30_000;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private StallingSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Opens {@code /graphql} with a receive buffer of {@code receiveBufferBytes}, initialises it with
   * {@code token} and waits for connection_ack.
   */
  public static StallingSocket signedIn(int port, String token, int receiveBufferBytes)
      throws IOException {
    Socket socket = new Socket();
    // Before connecting: the window the client offers is fixed at the handshake.
    socket.setReceiveBufferSize(receiveBufferBytes);
    socket.connect(new InetSocketAddress("localhost", port), 10_000);
    socket.setSoTimeout(READ_TIMEOUT);
    StallingSocket s = new StallingSocket(socket);
    s.handshake(port);
    s.sendText(
        new JsonObject()
            .put("type", "connection_init")
            .put("payload", new JsonObject().put("Authorization", "Bearer " + token))
            .encode());
    Frame ack = s.read();
    if (ack.opcode() != Frame.TEXT
        || !"connection_ack".equals(new JsonObject(ack.text()).getString("type"))) {
      throw new AssertionError("expected connection_ack, got opcode " + ack.opcode());
    }
    return s;
  }

  private void handshake(int port) throws IOException {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String request =
        "GET /graphql HTTP/1.1\r\n"
            + "Host: localhost:"
            + port
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(nonce)
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
            + "\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    // The response head, byte by byte: nothing after it may be consumed here.
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the handshake: " + head);
      }
      head.append((char) b);
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new AssertionError("no upgrade: " + head);
    }
  }

  /** Sends one text message, masked as a client must. */
  public void sendText(String text) throws IOException {
    send(Frame.TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Answers the server's close frame with the same code, as RFC 6455 asks of a client. */
  public void closeWith(int code) throws IOException {
    send(Frame.CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
  }

  /** Sends a ping; fails once the server has reset the connection. */
  public void ping() throws IOException {
    send(Frame.PING, new byte[0]);
  }

  private synchronized void send(int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x80 | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      throw new IllegalArgumentException("message too long for this client");
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.write(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    out.write(frame.toByteArray());
    out.flush();
  }

  /** Subscribes to {@code query} under {@code id}, with an operation name and variables. */
  public void subscribe(String id, String query, String operationName, JsonObject variables)
      throws IOException {
    sendText(
        new JsonObject()
            .put("id", id)
            .put("type", "subscribe")
            .put(
                "payload",
                new JsonObject()
                    .put("query", query)
                    .put("operationName", operationName)
                    .put("variables", variables))
            .encode());
  }

  /** Reads the next whole message (continuation frames joined); blocks until it is there. */
  public Frame read() throws IOException {
    return readFrom(in.readUnsignedByte());
  }

  /** Reads the next message if one starts within {@code wait}; null otherwise. */
  public Frame poll(Duration wait) throws IOException {
    int b0;
    socket.setSoTimeout(Math.toIntExact(Math.max(1, wait.toMillis())));
    try {
      b0 = in.readUnsignedByte();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(READ_TIMEOUT);
    }
    return readFrom(b0);
  }

  private Frame readFrom(int first) throws IOException {
    int opcode = -1;
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    int b0 = first;
    while (true) {
      if (b0 < 0) {
        b0 = in.readUnsignedByte();
      }
      int b1 = in.readUnsignedByte();
      long length = b1 & 0x7f;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      if ((b1 & 0x80) != 0) {
        throw new AssertionError("a server frame must not be masked");
      }
      byte[] payload = new byte[Math.toIntExact(length)];
      in.readFully(payload);
      int frameOpcode = b0 & 0x0f;
      if (frameOpcode >= 0x8) {
        return new Frame(frameOpcode, payload); // control frames are never fragmented
      }
      if (frameOpcode != 0) {
        opcode = frameOpcode;
      }
      message.write(payload);
      if ((b0 & 0x80) != 0) {
        return new Frame(opcode, message.toByteArray());
      }
      b0 = -1;
    }
  }

  /**
   * Reads everything the connection still holds until it ends: the messages, the close frame if one
   * arrived (nothing is read after it), and the failure that ended it otherwise (end of stream or
   * reset).
   */
  public Ending readToEnd() {
    List<Frame> frames = new ArrayList<>();
    while (true) {
      Frame f;
      try {
        f = read();
      } catch (IOException e) {
        return new Ending(frames, null, e);
      }
      if (f.opcode() == Frame.CLOSE) {
        return new Ending(frames, f, null);
      }
      frames.add(f);
    }
  }

  /** Whether the end of the stream follows (the server closed the TCP connection). */
  public boolean endsHere() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketException e) {
      return true; // reset after its close: ended all the same
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
