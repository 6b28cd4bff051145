package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code QUOTA_EXCEEDED}: the request would take the user beyond their quota (desktops, CPU, memory
 * or snapshots); nothing was changed.
 */
@ErrorCode("QUOTA_EXCEEDED")
public class QuotaExceededException extends ApiException {
  public QuotaExceededException(String message) {
    super(message);
  }
}
