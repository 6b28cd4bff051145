package io.opencdi.gateway.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How many requests one gateway replica works on at once, and how many may wait. */
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

  /**
   * Single creations ({@code createDesktop}) at work at once. They hold no database connection
   * while they wait in the placement pipeline, which writes each batch in one transaction on one
   * connection (ADR 0025): the more wait together, the larger the batches. The line is what keeps
   * their memory and answers bounded.
   */
  @WithDefault("2048")
  int creationMaxInFlight();

  /** Single creations waiting for their turn; beyond them a creation is refused with OVERLOADED. */
  @WithDefault("4096")
  int creationMaxWaiting();

  /**
   * Bulk creations at work at once. Each places hundreds of desktops in one transaction, all or
   * none; two at once pick the same emptiest node groups, and the loser's retries keep meeting the
   * winner's uncommitted reservations until it gives up on all of its desktops. One at a time, they
   * follow each other and both fit.
   */
  @WithDefault("1")
  int bulkMaxInFlight();

  /** Bulk creations waiting for their turn. */
  @WithDefault("16")
  int bulkMaxWaiting();

  /**
   * Reads of many rows (desktop pages, clusters, snapshots, users, placement previews) at work at
   * once. With the writing requests' 24 still below the database pool's 40, so that a flood of
   * console reads neither starves the writes nor the agents' reports.
   */
  @WithDefault("12")
  int readMaxInFlight();

  /** Such reads waiting for their turn; beyond them a read is refused with OVERLOADED. */
  @WithDefault("512")
  int readMaxWaiting();
}
