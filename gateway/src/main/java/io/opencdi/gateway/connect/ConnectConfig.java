package io.opencdi.gateway.connect;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the display broker (connectDesktop and the display endpoint). */
@ConfigMapping(prefix = "opencdi.connect")
public interface ConnectConfig {
  /** The longest a ticket may live; the product promises at most this. */
  Duration MAX_TICKET_TTL = Duration.ofSeconds(60);

  /**
   * How long a ticket from {@code connectDesktop} may wait before it is redeemed (at most 60 s). A
   * browser opens the display WebSocket at once, so seconds are plenty.
   */
  @WithDefault("30s")
  Duration ticketTtl();

  /**
   * Origins (scheme://host[:port]) besides the gateway's own whose pages may open display
   * connections, e.g. a web UI served from another host. The gateway's own origin ({@code
   * opencdi.public-url}, or else the request's Host) is always allowed.
   */
  Optional<List<String>> allowedOrigins();

  /** How long the gateway waits for the agent to dial back with the tunnel. */
  @WithDefault("5s")
  Duration tunnelTimeout();

  /** A display connection with no bytes in either direction for this long is closed. */
  @WithDefault("30m")
  Duration idleTimeout();

  /**
   * Largest WebSocket frame accepted from a browser or an agent on a display connection. RFB client
   * messages are tiny; a larger frame is a misbehaving client and closes the connection (1009).
   */
  @WithDefault("65536")
  int maxFrameBytes();

  /**
   * Base URL ({@code ws://} or {@code wss://}) at which agents reach this replica itself, not the
   * load balancer in front of all replicas: an agent linked to another replica dials this address
   * back with the tunnel of a viewer that landed here. Each replica has its own (e.g. its pod's
   * address). When set, every tunnel is dialled back here, even one over this replica's own link;
   * when unset, a tunnel over another replica's link is dialled back to {@code ws://localhost:} and
   * this replica's HTTP port, which is right for replicas on one machine ({@code ./opencdi up
   * --gateways N}). The agent dials only hosts it trusts ({@code opencdi.agent.dial-back-hosts}).
   */
  Optional<String> replicaUrl();

  /**
   * Sound connections ({@code /audio/v1}) one user may hold at once on this replica: each holds a
   * tunnel, an Opus encoder on the agent and a recorder in the desktop. Beyond it the connection is
   * closed with {@code 4429}.
   */
  @WithDefault("4")
  int maxAudioPerUser();
}
