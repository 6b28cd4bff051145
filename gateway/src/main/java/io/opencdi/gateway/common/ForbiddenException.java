package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code FORBIDDEN}: the caller may not do this. */
@ErrorCode("FORBIDDEN")
public class ForbiddenException extends ApiException {
  public ForbiddenException(String message) {
    super(message);
  }
}
