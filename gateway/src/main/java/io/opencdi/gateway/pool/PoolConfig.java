package io.opencdi.gateway.pool;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the gateway keeps its warm pools (docs/adr/0035-warm-pools.md). */
@ConfigMapping(prefix = "opencdi.pools")
public interface PoolConfig {
  /**
   * How often each replica reads the pools and one of them (an advisory lock decides) brings every
   * pool back to its size. A change through the API is acted on at once on the replica that made
   * it.
   */
  @WithDefault("2s")
  Duration interval();

  /** Members created in one placement pass at most; a larger shortfall takes several. */
  @WithDefault("50")
  int refillBatch();

  /**
   * How long after users were refused room on a cluster the pools of its region wait before they
   * refill: the room their idle members gave up goes to the users trying again, not back to the
   * pools.
   */
  @WithDefault("60s")
  Duration hold();

  /**
   * How long after a user took one of a pool's members the keeper waits before it starts the
   * replacement: the user's first connection to the desktop they just got should not share the
   * host's CPUs with a desktop starting (docs/perf/time-to-first-frame.md). Claims within the wait
   * are served by the members left, then cold.
   */
  @WithDefault("3s")
  Duration refillAfterClaim();
}
