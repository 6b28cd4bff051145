package io.opencdi.agent.runtime;

import io.opencdi.agent.runtime.local.LocalConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Which runtime runs the desktops, and its settings. */
@ConfigMapping(prefix = "opencdi.agent")
public interface RuntimeConfig {

  /**
   * The desktop runtime: {@code simulated} (virtual clusters from a fleet file), {@code local}
   * (real desktops as processes on this host), or a comma-separated list of them ({@code
   * simulated,local}) whose clusters one agent serves side by side. {@code kubernetes} is planned;
   * any other value fails start-up.
   */
  @WithDefault("simulated")
  String runtime();

  /**
   * Fleet file of the {@code simulated} runtime (YAML: clusters, node pools, {@code generate},
   * {@code failImages}). When unset, the bundled {@code default-fleet.yaml} is used.
   */
  Optional<Path> fleetFile();

  /** Settings of the {@code simulated} runtime. */
  Simulated simulated();

  /** Settings of the {@code local} runtime. */
  LocalConfig local();

  /** Timing of the {@code simulated} runtime. */
  interface Simulated {

    /** Shortest time from STARTING to RUNNING (a pod start: scheduling, volume attach, image). */
    @WithDefault("800ms")
    Duration startLatencyMin();

    /** Longest time from STARTING to RUNNING; each start draws uniformly between min and max. */
    @WithDefault("2500ms")
    Duration startLatencyMax();

    /** Shortest time from STOPPING to STOPPED (and of a delete of a running desktop). */
    @WithDefault("200ms")
    Duration stopLatencyMin();

    /** Longest time from STOPPING to STOPPED. */
    @WithDefault("800ms")
    Duration stopLatencyMax();

    /**
     * A real display ({@code host:port} of a VNC or any TCP server) that every running desktop of
     * the named cluster shows, e.g. {@code opencdi.agent.simulated.shared-displays.bj-1=
     * 127.0.0.1:5901}. For tests and load tests of the display broker; clusters not named here have
     * no display.
     */
    Map<String, String> sharedDisplays();

    /**
     * How long live queries of the named cluster take before the agent answers them, e.g. {@code
     * opencdi.agent.simulated.live-delays.bj-1=30s}: a slow cluster, for tests of the gateway's
     * live-query timeout. Clusters not named here answer at once.
     */
    Map<String, Duration> liveDelays();
  }
}
