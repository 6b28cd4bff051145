package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code CONFLICT}: the request conflicts with existing state (for example a duplicate name). */
@ErrorCode("CONFLICT")
public class ConflictException extends ApiException {
  public ConflictException(String message) {
    super(message);
  }
}
