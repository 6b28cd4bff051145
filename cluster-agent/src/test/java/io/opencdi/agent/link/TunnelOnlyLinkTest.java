package io.opencdi.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.SnapshotSpec;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent of a member cluster that Karmada commands ({@code opencdi.agent.tunnel-only}, ADR
 * 0048), against the stand-in gateway: it says it serves tunnels only, reports neither its desktops
 * nor its capacity, leaves the Welcome's desktops to Karmada and refuses to start, stop or delete
 * desktops, while snapshot commands reach its runtime.
 */
@QuarkusTest
@TestProfile(TunnelOnlyLinkTest.TunnelOnly.class)
class TunnelOnlyLinkTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The simulated fleet behind a tunnel-only link. */
  public static class TunnelOnly implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("opencdi.agent.tunnel-only", "true");
    }
  }

  @Inject TestGatewayPeer gateway;
  @Inject GatewayLink link;

  @Test
  void theLinkCarriesTunnelsAndSnapshotsAndNothingKarmadaCarries() {
    await().atMost(WAIT).until(link::isWelcomed);
    Hello hello = gateway.frames(Hello.class).get(0);
    assertThat(hello.tunnelOnly()).isTrue();
    assertThat(hello.inventory()).isEmpty();
    assertThat(hello.clusters()).extracting(c -> c.name()).contains("bj-1");

    gateway.send(
        new Command(
            "t-1",
            CommandKind.START,
            TestGatewayPeer.spec("t1", "bj-1", "bj-1-node-001", Power.ON)));
    gateway.send(
        new Command(
            "t-2",
            CommandKind.SNAPSHOT,
            TestGatewayPeer.spec("t2", "bj-1", "bj-1-node-001", Power.ON),
            new SnapshotSpec("s-2", "before", "t2", "bj-1")));
    await().atMost(WAIT).until(() -> gateway.indexOfAck("t-2") >= 0);
    CommandAck start = ack("t-1");
    assertThat(start.accepted()).isFalse();
    assertThat(start.error()).contains("tunnels and snapshots only");
    // The snapshot reaches the runtime, which answers for its desktop (unknown here).
    assertThat(ack("t-2").error()).doesNotContain("tunnels and snapshots only");

    // The Welcome asked for desktops (w1, w2): Karmada carries those, so nothing was started, and
    // neither their states nor the clusters' room are reported. Ten capacity intervals leave time.
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(gateway.frames(DesktopStatus.class)).isEmpty();
    assertThat(gateway.frames(CapacityUpdate.class)).isEmpty();
    assertThat(link.isWelcomed()).isTrue();
  }

  private CommandAck ack(String commandId) {
    return gateway.frames(CommandAck.class).stream()
        .filter(a -> a.commandId().equals(commandId))
        .findFirst()
        .orElseThrow();
  }
}
