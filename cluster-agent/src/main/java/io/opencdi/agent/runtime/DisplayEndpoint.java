package io.opencdi.agent.runtime;

/**
 * Where the agent reaches a running desktop's VNC (RFB) server: a Pod's Service in the {@code
 * kubernetes} runtime, a loopback port (or a gVisor sandbox's address) in the {@code local} one.
 *
 * @param host host name or IP address the agent dials
 * @param port TCP port of the RFB server
 */
public record DisplayEndpoint(String host, int port) {
  public DisplayEndpoint {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("a display endpoint needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("display port out of range: " + port);
    }
  }
}
