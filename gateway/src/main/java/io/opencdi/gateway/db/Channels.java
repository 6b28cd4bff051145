package io.opencdi.gateway.db;

import java.util.List;

/** Names of the NOTIFY channels the gateway replicas share. */
public final class Channels {
  /** A desktop changed; the payload is the desktop as the API shows it. */
  public static final String DESKTOP = "opencdi_desktop";

  /** A cluster's capacity, health or cordon changed; the payload names the cluster. */
  public static final String CLUSTER = "opencdi_cluster";

  /** A desktop needs a command sent to its agent; the replica holding the agent's link sends it. */
  public static final String COMMAND = "opencdi_command";

  /** An agent was revoked; the replica holding its links closes them. */
  public static final String AGENT = "opencdi_agent";

  /** A session was signed out; every replica ends the WebSockets opened with its token. */
  public static final String SESSION = "opencdi_session";

  /**
   * A display tunnel is wanted from a cluster whose agent link another replica holds, or an agent
   * refused one: the replica holding the link, or the viewer, acts on it.
   */
  public static final String TUNNEL = "opencdi_tunnel";

  static final List<String> ALL = List.of(DESKTOP, CLUSTER, COMMAND, AGENT, SESSION, TUNNEL);

  private Channels() {}
}
