package io.opencdi.gateway.connect;

/**
 * WebSocket close codes of the display endpoint ({@code /display/v1/{ticket}}), one per cause so
 * that a viewer can tell the user what happened. Documented in docs/api.md. Refusals are sent after
 * the upgrade, because a browser cannot see the HTTP status of a refused upgrade.
 */
public final class DisplayCloseCodes {
  /** The desktop or the gateway ended the session normally. */
  public static final int NORMAL = 1000;

  /** A text frame arrived; the display speaks binary RFB only. */
  public static final int TEXT_NOT_ACCEPTED = 1003;

  /** A frame larger than {@code opencdi.connect.max-frame-bytes} arrived. */
  public static final int FRAME_TOO_LARGE = 1009;

  /**
   * No bytes moved in either direction for {@code opencdi.connect.idle-timeout}: a dead connection,
   * not an idle user (that is {@link #INPUT_IDLE}).
   */
  public static final int IDLE_TIMEOUT = 4000;

  /** The session (bearer token) that asked for the ticket expired or signed out: sign in again. */
  public static final int SESSION_EXPIRED = 4001;

  /**
   * The viewer sent no key, pointer or paste for the template's {@code idleTimeoutMinutes} (update
   * requests do not count); the reason says how long. Connecting again starts a new connection.
   */
  public static final int INPUT_IDLE = 4002;

  /**
   * The connection reached the template's {@code maxSessionMinutes} (the ticket's {@code
   * sessionEndsAt}). Connecting again starts a new connection.
   */
  public static final int SESSION_LIMIT = 4003;

  /** The ticket is malformed or unknown (forged, or long gone). */
  public static final int TICKET_INVALID = 4401;

  /** The page's Origin is not the gateway's own or an allowed one. */
  public static final int ORIGIN_FORBIDDEN = 4403;

  /** The desktop is not RUNNING (stopped, starting, deleted) according to the gateway. */
  public static final int DESKTOP_NOT_RUNNING = 4404;

  /**
   * The viewer or the display sent RFB the broker does not pass on: another protocol version or
   * security type, an unknown message or encoding, or a pixel format change after the first update
   * request (docs/adr/0028-desktop-policies.md).
   */
  public static final int RFB_REFUSED = 4422;

  /** The ticket's validity ended before it was used. */
  public static final int TICKET_EXPIRED = 4408;

  /** The ticket was already used; every connection needs a new one. */
  public static final int TICKET_USED = 4409;

  /**
   * The agent has no display for the desktop: the runtime draws none (simulated) or the desktop no
   * longer runs there.
   */
  public static final int NO_DISPLAY = 4410;

  /** The desktop's display did not accept the agent's connection. */
  public static final int DISPLAY_UNREACHABLE = 4502;

  /**
   * The desktop's cluster has no agent, its agent refused to dial back to this replica's address
   * (docs/adr/0027-display-through-any-replica.md), or its tunnel broke.
   */
  public static final int AGENT_UNAVAILABLE = 4503;

  /** The agent did not dial back with the tunnel within {@code opencdi.connect.tunnel-timeout}. */
  public static final int TUNNEL_TIMEOUT = 4504;

  private DisplayCloseCodes() {}

  /**
   * The user already holds {@code opencdi.connect.max-audio-per-user} sound connections on this
   * replica (audio endpoint only); closing one makes room.
   */
  public static final int TOO_MANY = 4429;
}
