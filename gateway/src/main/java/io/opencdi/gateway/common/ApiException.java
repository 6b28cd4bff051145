package io.opencdi.gateway.common;

/**
 * A failure the client caused or must know about. Each subclass carries one code of the documented
 * set (see docs/api.md) in {@code extensions.code}; its message is shown to the client, so it must
 * never contain internals.
 */
public abstract class ApiException extends RuntimeException {
  protected ApiException(String message) {
    super(message, null, false, false);
  }
}
