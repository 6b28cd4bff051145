package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/** {@code UNAUTHENTICATED}: the request carries no valid bearer token. */
@ErrorCode("UNAUTHENTICATED")
public class UnauthenticatedException extends ApiException {
  public UnauthenticatedException(String message) {
    super(message);
  }
}
