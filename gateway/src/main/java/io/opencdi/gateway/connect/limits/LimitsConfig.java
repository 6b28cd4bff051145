package io.opencdi.gateway.connect.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the gateway enforces the time limits of templates (docs/adr/0034-session-limits.md). */
@ConfigMapping(prefix = "opencdi.limits")
public interface LimitsConfig {
  /**
   * The length of one of the templates' minutes ({@code idleTimeoutMinutes}, {@code
   * autoPowerOffMinutes}, {@code maxSessionMinutes}). For tests only: leave it at one minute in
   * every real deployment; the test profile shortens it to a second so that limits of a few
   * "minutes" pass in seconds.
   */
  @WithDefault("1m")
  Duration minute();

  /**
   * How often each replica records in the database that its viewers are still there, and one
   * replica looks for desktops to power off. Must be under half of {@link #minute()}, so a desktop
   * that has a viewer is never taken for one without.
   */
  @WithDefault("15s")
  Duration checkInterval();

  /** Desktops powered off per check at most; the next check takes the rest. */
  @WithDefault("100")
  int powerOffBatch();
}
