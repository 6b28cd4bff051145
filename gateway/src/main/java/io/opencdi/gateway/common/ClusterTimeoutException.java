package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code CLUSTER_TIMEOUT}: a cluster's agent did not report live state in time; the rest of the
 * answer is complete.
 */
@ErrorCode("CLUSTER_TIMEOUT")
public class ClusterTimeoutException extends ApiException {
  public ClusterTimeoutException(String message) {
    super(message);
  }
}
