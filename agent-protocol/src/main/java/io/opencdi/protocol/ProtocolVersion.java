package io.opencdi.protocol;

/** Version of the control-channel protocol; both sides refuse a different major version. */
public final class ProtocolVersion {
  /** The version this build speaks. */
  public static final int CURRENT = 1;

  /** Path of the gateway's control-channel endpoint for this version. */
  public static final String PATH = "/agent/v1";

  /** Prefix of the path an agent dials back on to carry one display tunnel. */
  public static final String TUNNEL_PATH_PREFIX = PATH + "/tunnel/";

  /** The dial-back path of tunnel {@code tunnelId} (see {@link TunnelOpen}). */
  public static String tunnelPath(String tunnelId) {
    return TUNNEL_PATH_PREFIX + tunnelId;
  }

  private ProtocolVersion() {}
}
