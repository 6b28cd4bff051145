package io.opencdi.protocol;

/**
 * The agent cannot open a requested display tunnel (agent → gateway); nothing dials back.
 *
 * @param tunnelId the id from {@link TunnelOpen}
 * @param cause why, for the close code the gateway gives the browser
 * @param message what a person can act on
 */
public record TunnelRefused(String tunnelId, Cause cause, String message) implements Message {

  /** Why a tunnel was refused. */
  public enum Cause {
    /**
     * The runtime knows no display for the desktop: it does not run here, or the runtime has no
     * real displays (simulated).
     */
    NO_DISPLAY,
    /** The desktop has a display endpoint, but the agent could not connect to it. */
    DISPLAY_UNREACHABLE,
    /**
     * The tunnel asked to be dialled back to a gateway address whose host the agent does not trust
     * ({@code opencdi.agent.dial-back-hosts}); the agent did not send its token there.
     */
    DIAL_BACK_REFUSED
  }
}
