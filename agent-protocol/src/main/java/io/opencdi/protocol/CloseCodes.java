package io.opencdi.protocol;

/**
 * WebSocket close codes the gateway uses on the control channel and on tunnel dial-backs (4000-4999
 * is application use).
 */
public final class CloseCodes {
  /** The agent token is missing, unknown or revoked. */
  public static final int UNAUTHORIZED = 4401;

  /** The agent reported a cluster that belongs to another agent. */
  public static final int FORBIDDEN = 4403;

  /** The agent speaks another protocol version. */
  public static final int UNSUPPORTED_VERSION = 4426;

  /** A tunnel dial-back names no tunnel this gateway waits for (unknown or timed out). */
  public static final int UNKNOWN_TUNNEL = 4404;

  /** A frame could not be decoded or broke the protocol's order (hello first). */
  public static final int PROTOCOL_ERROR = 4400;

  private CloseCodes() {}
}
