package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code UNSCHEDULABLE}: no cluster can run the desktop; the message lists the reason per cluster.
 */
@ErrorCode("UNSCHEDULABLE")
public class UnschedulableException extends ApiException {
  public UnschedulableException(String message) {
    super(message);
  }
}
