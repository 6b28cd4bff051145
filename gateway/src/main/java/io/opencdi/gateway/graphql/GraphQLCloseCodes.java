package io.opencdi.gateway.graphql;

/**
 * Close codes of the {@code /graphql} WebSocket: graphql-transport-ws's own, plus 1009 of RFC 6455.
 * Documented in docs/api.md.
 */
public final class GraphQLCloseCodes {
  /** A message larger than {@code opencdi.graphql.websocket.max-message-bytes}. */
  public static final short MESSAGE_TOO_BIG = 1009;

  /** A message that is not a graphql-transport-ws message (not JSON, unknown type, no id). */
  public static final short BAD_REQUEST = 4400;

  /**
   * A subscribe before connection_ack, or the session ended: the token expired or was revoked. The
   * client must sign in again; graphql-ws does not retry this code.
   */
  public static final short UNAUTHORIZED = 4401;

  /** connection_init without a valid bearer token. */
  public static final short FORBIDDEN = 4403;

  /** The client offered no graphql-transport-ws subprotocol. */
  public static final short SUBPROTOCOL_NOT_ACCEPTABLE = 4406;

  /** No connection_init within {@code opencdi.graphql.websocket.init-timeout}. */
  public static final short INIT_TIMEOUT = 4408;

  /** A subscribe with the id of an operation still running on the connection. */
  public static final short SUBSCRIBER_EXISTS = 4409;

  /**
   * The client fell more than {@code opencdi.graphql.websocket.max-queued-bytes} behind the events
   * sent to it. graphql-ws reconnects; the client then reads the current state again.
   */
  public static final short SLOW_CONSUMER = 4503;

  /** A second connection_init. */
  public static final short TOO_MANY_INIT = 4429;

  private GraphQLCloseCodes() {}
}
