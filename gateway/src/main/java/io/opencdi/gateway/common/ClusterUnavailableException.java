package io.opencdi.gateway.common;

import io.smallrye.graphql.api.ErrorCode;

/**
 * {@code CLUSTER_UNAVAILABLE}: live state of a cluster was asked for, but its agent is not
 * connected to this gateway replica or could not read the cluster. Retrying later may work.
 */
@ErrorCode("CLUSTER_UNAVAILABLE")
public class ClusterUnavailableException extends ApiException {
  public ClusterUnavailableException(String message) {
    super(message);
  }
}
