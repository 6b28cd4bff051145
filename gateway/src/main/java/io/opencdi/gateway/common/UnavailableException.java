package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code UNAVAILABLE}: a system the gateway must write to (the Karmada API server) could not be
 * reached or refused the change. Nothing was changed; the request may be repeated.
 */
@ErrorCode("UNAVAILABLE")
public class UnavailableException extends ApiException {
  public UnavailableException(String message) {
    super(message);
  }
}
