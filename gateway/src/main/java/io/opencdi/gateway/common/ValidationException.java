package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code VALIDATION}: the input is invalid; nothing was changed. */
@ErrorCode("VALIDATION")
public class ValidationException extends ApiException {
  public ValidationException(String message) {
    super(message);
  }
}
