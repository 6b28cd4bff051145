package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code OVERLOADED}: this gateway replica has as many requests at work and waiting as it takes.
 * The request was refused before it started, so nothing was changed; it may be repeated.
 */
@ErrorCode("OVERLOADED")
public class OverloadedException extends ApiException {
  public OverloadedException(String message) {
    super(message);
  }
}
