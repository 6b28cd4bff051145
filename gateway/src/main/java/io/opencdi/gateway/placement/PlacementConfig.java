package io.opencdi.gateway.placement;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Placement settings. */
@ConfigMapping(prefix = "opencdi.placement")
public interface PlacementConfig {
  /** A cluster whose agent has not sent a heartbeat for this long is not placed on. */
  @WithDefault("PT30S")
  Duration heartbeatTimeout();

  /**
   * How often each gateway reloads cluster capacity from the database, to see what other replicas
   * placed. Decisions never depend on it for correctness: the database refuses an over-commit.
   */
  @WithDefault("PT2S")
  Duration refreshInterval();

  /** How often one request retries when another request or replica took the room it chose. */
  @WithDefault("8")
  int maxAttempts();

  /**
   * How long room taken by a decision is held in memory when its transaction is never heard of
   * again (it is confirmed or released as soon as the transaction ends).
   */
  @WithDefault("PT60S")
  Duration reservationTtl();

  /** The most creations one batch of the placement pipeline decides and writes together. */
  @WithDefault("256")
  int maxBatch();
}
