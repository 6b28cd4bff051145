package io.opencdi.gateway.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of live-state queries to the agents. */
@ConfigMapping(prefix = "opencdi.live")
public interface LiveQueryConfig {
  /**
   * How long a GraphQL request waits for a cluster's live state. A cluster that does not answer in
   * time gets the error {@code CLUSTER_TIMEOUT}; the rest of the answer is not held up.
   */
  @WithDefault("4s")
  Duration timeout();
}
