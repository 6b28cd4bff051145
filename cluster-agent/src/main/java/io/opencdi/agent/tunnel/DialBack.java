package io.opencdi.agent.tunnel;

import java.net.URI;
import java.util.List;

/**
 * How a tunnel reaches the gateway again: the base URL ({@code ws://} or {@code wss://}) the link
 * uses, the agent's token, and the other hosts the agent may dial back to when the gateway names a
 * replica ({@code opencdi.agent.dial-back-hosts}). The link knows them; tunnels only use them.
 */
public record DialBack(URI gatewayBase, String token, List<String> trustedHosts) {
  public DialBack {
    trustedHosts = List.copyOf(trustedHosts);
  }

  @Override
  public String toString() {
    return "DialBack[" + gatewayBase + "]"; // never the token
  }
}
