package io.opencdi.protocol;

/** A frame broke the protocol; the receiver closes the channel with {@link CloseCodes}. */
public class ProtocolException extends RuntimeException {
  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
