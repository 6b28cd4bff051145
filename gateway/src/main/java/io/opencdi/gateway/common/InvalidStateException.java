package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code INVALID_STATE}: the object is in a state that does not allow the operation. */
@ErrorCode("INVALID_STATE")
public class InvalidStateException extends ApiException {
  public InvalidStateException(String message) {
    super(message);
  }
}
