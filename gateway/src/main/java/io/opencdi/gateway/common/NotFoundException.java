package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code NOT_FOUND}: the object does not exist or is not visible to the caller. */
@ErrorCode("NOT_FOUND")
public class NotFoundException extends ApiException {
  public NotFoundException(String message) {
    super(message);
  }
}
