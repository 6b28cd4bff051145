package io.opencdi.gateway.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How many writing requests one gateway replica works on at once, and how many may wait. */
@ConfigMapping(prefix = "opencdi.admission")
public interface AdmissionConfig {
  /**
   * Requests that change desktops, at work at once. Below the database pool's size, so that the
   * agents' reports and heartbeats always find a connection.
   */
  @WithDefault("24")
  int maxInFlight();

  /** Requests waiting for their turn; beyond them a request is refused with OVERLOADED. */
  @WithDefault("256")
  int maxWaiting();
}
