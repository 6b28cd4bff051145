package io.opencdi.protocol;

/** Version of the control-channel protocol; both sides refuse a different major version. */
public final class ProtocolVersion {
  /** The version this build speaks. */
  public static final int CURRENT = 1;

  /** Path of the gateway's control-channel endpoint for this version. */
  public static final String PATH = "/agent/v1";

  private ProtocolVersion() {}
}
