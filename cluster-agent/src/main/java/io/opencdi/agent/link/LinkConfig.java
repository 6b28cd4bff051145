package io.opencdi.agent.link;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the agent reaches the gateway's control channel. */
@ConfigMapping(prefix = "opencdi.agent")
public interface LinkConfig {

  /**
   * Base URL of the gateway, {@code ws://} or {@code wss://}; the agent appends {@code /agent/v1}.
   * Read again before every connection attempt.
   */
  @WithDefault("ws://localhost:8080")
  String gatewayUrl();

  /**
   * The agent token the gateway issued for this agent (sent as {@code Authorization: Bearer}). The
   * gateway stores only its SHA-256 hash; the agent never logs it. Required.
   */
  String token();

  /**
   * Join tokens an administrator issued with {@code registerCluster}, one for each cluster this
   * agent announces for the first time (comma-separated in an environment variable). Sent in every
   * Hello; the gateway uses one only while its cluster has not joined.
   */
  Optional<List<String>> joinTokens();

  /**
   * Hosts besides the gateway URL's own to which the agent may dial display tunnels back when the
   * gateway asks for another replica ({@code dialBackUrl}), e.g. the replicas' own addresses behind
   * a load balancer. The agent sends its token there, so any other host is refused.
   */
  Optional<List<String>> dialBackHosts();

  /**
   * Serve a member cluster that Karmada commands (ADR 0048): the agent reconciles the Desktops
   * Karmada propagates, and its link to the gateway carries only display, file and audio tunnels,
   * live queries and snapshot commands. It reports no capacity and no desktop states (Karmada does)
   * and refuses commands to start, stop or delete desktops.
   */
  @WithDefault("false")
  boolean tunnelOnly();

  /** A stable name of this agent for the gateway's logs and metrics; defaults to the host name. */
  Optional<String> id();

  /**
   * Shortest interval between two {@code CapacityUpdate} frames for one cluster; changes within it
   * are coalesced into one report.
   */
  @WithDefault("200ms")
  Duration capacityInterval();

  /**
   * A gateway that answers no Hello within this time is treated as gone and the agent reconnects.
   * The gateway writes the whole inventory before it welcomes, so a cluster of tens of thousands of
   * nodes needs minutes here, not seconds: too short a value makes the agent resend a Hello the
   * gateway is still working on.
   */
  @WithDefault("120s")
  Duration welcomeTimeout();

  /** Reconnection after the channel drops. */
  Reconnect reconnect();

  /** Exponential back-off with jitter between connection attempts. */
  interface Reconnect {

    /** Delay before the first retry; it doubles on every failed attempt. */
    @WithDefault("500ms")
    Duration minDelay();

    /** Upper bound of the delay; also used after the gateway refused the token or version. */
    @WithDefault("30s")
    Duration maxDelay();
  }
}
