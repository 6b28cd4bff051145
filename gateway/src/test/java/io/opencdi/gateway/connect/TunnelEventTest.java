package io.opencdi.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.TunnelOpen;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A tunnel request for a viewer on one replica, sent to the agent by the replica that holds its
 * link (ADR 0027), reaches the agent whole: the watermark included (ADR 0040), and so does a file
 * transfer's (ADR 0042).
 */
class TunnelEventTest {
  @Test
  void theRequestCrossesReplicasWhole() {
    UUID cluster = UUID.randomUUID();
    TunnelOpen asked =
        new TunnelOpen(
            "t0123456789abcdef", "d-42", "bj-1", "ws://gw-2:8080", "alice on d-42 at {time}");
    // Through text, as PostgreSQL's NOTIFY carries it.
    JsonObject heard = new JsonObject(Tunnels.openEvent(cluster, asked).encode());

    assertThat(heard.getString("clusterId")).isEqualTo(cluster.toString());
    assertThat(Tunnels.requestOf(heard.getString("tunnelId"), heard)).isEqualTo(asked);
  }

  @Test
  void aRequestWithoutAWatermarkArrivesWithout() {
    TunnelOpen asked = new TunnelOpen("t0123456789abcdef", "d-42", "bj-1", "ws://gw-2:8080", null);
    JsonObject heard = new JsonObject(Tunnels.openEvent(UUID.randomUUID(), asked).encode());
    assertThat(((TunnelOpen) Tunnels.requestOf("t0123456789abcdef", heard)).watermark()).isNull();
  }

  @Test
  void aFileRequestCrossesReplicasWhole() {
    FileOpen asked =
        new FileOpen(
            "t0123456789abcdef",
            "d-42",
            "bj-1",
            "ws://gw-2:8080",
            FileOpen.Op.UPLOAD,
            "report.pdf",
            104_857_600L);
    JsonObject heard = new JsonObject(Tunnels.openEvent(UUID.randomUUID(), asked).encode());
    assertThat(Tunnels.requestOf(heard.getString("tunnelId"), heard)).isEqualTo(asked);
    FileOpen prints =
        new FileOpen(
            "t0123456789abcdef",
            "d-42",
            "bj-1",
            null,
            FileOpen.Op.DOWNLOAD,
            "job-3.pdf",
            1024L,
            FileOpen.Folder.PRINTS);
    JsonObject printed = new JsonObject(Tunnels.openEvent(UUID.randomUUID(), prints).encode());
    assertThat(Tunnels.requestOf(printed.getString("tunnelId"), printed)).isEqualTo(prints);
  }
}
