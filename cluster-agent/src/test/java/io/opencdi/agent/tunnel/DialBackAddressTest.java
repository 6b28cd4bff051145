package io.opencdi.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the agent sends its token when a gateway asks it to dial a tunnel back to another replica:
 * only to its gateway's host or a host it was told to trust, never in clear behind a TLS link.
 */
class DialBackAddressTest {
  private static final URI LINK = URI.create("wss://desktops.example.com");
  private static final List<String> TRUSTED = List.of("gw-1.desktops.example.com");

  @Test
  void withoutADialBackUrlTheLinksGatewayIsDialled() {
    assertThat(TunnelDialer.dialBackBase(null, LINK, TRUSTED)).isEqualTo(LINK);
  }

  @Test
  void theGatewaysHostAndTrustedHostsAreDialled() {
    assertThat(TunnelDialer.dialBackBase("wss://desktops.example.com:8443/", LINK, List.of()))
        .isEqualTo(URI.create("wss://desktops.example.com:8443"));
    assertThat(TunnelDialer.dialBackBase("wss://GW-1.desktops.example.com", LINK, TRUSTED))
        .isEqualTo(URI.create("wss://GW-1.desktops.example.com"));
  }

  @Test
  void anAttackersAddressIsRefused() {
    for (String forged :
        new String[] {
          "wss://evil.example",
          "wss://desktops.example.com.evil.example",
          "ws://desktops.example.com", // a TLS link never dials back in clear
          "wss://user:pw@desktops.example.com",
          "wss://evil.example@desktops.example.com",
          "wss://desktops.example.com/?next=evil",
          "wss://desktops.example.com/#x",
          "not a url",
          "wss:///nohost"
        }) {
      assertThat(TunnelDialer.dialBackBase(forged, LINK, TRUSTED)).as(forged).isNull();
    }
  }
}
