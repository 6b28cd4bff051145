package io.opencdi.protocol;

/**
 * A frame broke the protocol; the receiver closes the channel with {@link CloseCodes}. Also thrown
 * for a {@link CommandRequest} between gateway replicas that cannot be decoded.
 */
public class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
