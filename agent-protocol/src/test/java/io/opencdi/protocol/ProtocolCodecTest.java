package io.opencdi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolCodecTest {
  private final ProtocolCodec codec = new ProtocolCodec();

  @Test
  void everyFrameSurvivesARoundTrip() {
    var group = new NodeGroupReport("n1", "amd64", 16000, 65536, 110, 500, 1024);
    var cluster =
        new ClusterReport(
            "bj-1",
            "cn-north",
            "cn-north-1a",
            List.of("amd64"),
            List.of("runc", "gvisor"),
            List.of("longhorn"),
            List.of("opencdi/desktop-xfce:1"),
            List.of(group));
    var status = new DesktopStatus("d1", "bj-1", "n1", DesktopState.RUNNING, null, 42L);
    var spec =
        new DesktopSpec(
            "d1",
            "dev",
            "alice",
            "bj-1",
            "n1",
            "img",
            2000,
            4096,
            "gvisor",
            "longhorn",
            10,
            Power.ON);
    List<Message> frames =
        List.of(
            new Hello(
                ProtocolVersion.CURRENT, "agent-a", "simulated", List.of(cluster), List.of(status)),
            new Hello(
                ProtocolVersion.CURRENT,
                "agent-a",
                "simulated",
                List.of(cluster),
                List.of(),
                List.of("ocdj_join")),
            new Welcome(ProtocolVersion.CURRENT, 5, List.of(spec), List.of("d-gone")),
            new CapacityUpdate(cluster, true),
            new Heartbeat(7L),
            status,
            new DesktopStatus(
                "d1",
                "bj-1",
                "n1",
                DesktopState.RUNNING,
                null,
                43L,
                DesktopHealth.DEGRADED,
                "processes reached the limit of 256 (12 forks refused)"),
            new Command("c1", CommandKind.START, spec),
            new CommandAck("c1", false, "no room"),
            new TunnelOpen("t1", "d1", "bj-1"),
            new TunnelOpen("t2", "d1", "bj-1", null, "{user} on {desktop} at {time}"),
            new TunnelRefused("t1", TunnelRefused.Cause.NO_DISPLAY, "no display"),
            new FileOpen("t3", "d1", "bj-1", null, FileOpen.Op.LIST, null, 0),
            new FileOpen(
                "t4", "d1", "bj-1", "ws://gw-2:8080", FileOpen.Op.UPLOAD, "report.pdf", 1 << 20),
            new Command(
                "c2",
                CommandKind.SNAPSHOT,
                spec,
                new SnapshotSpec("s1", "before upgrade", "d1", "bj-1")),
            new Command(
                "c3",
                CommandKind.START,
                new DesktopSpec(
                    "d2",
                    "copy",
                    "alice",
                    "bj-1",
                    "n1",
                    "img",
                    2000,
                    4096,
                    "gvisor",
                    "longhorn",
                    10,
                    Power.ON,
                    "s1")),
            new Command(
                "c4",
                CommandKind.START,
                spec.withLayers(
                    List.of(
                        new AppLayer("gimp", "2.10", "ghcr.io/opencdi/apps/gimp:2.10"),
                        new AppLayer("fonts", "1", "ghcr.io/opencdi/apps/fonts:1")))),
            new SnapshotStatus("s1", "d1", "bj-1", SnapshotState.READY, 1073741824L, null, 43L),
            new SnapshotStatus("s2", "d1", "bj-1", SnapshotState.FAILED, null, "no class", 44L),
            new PrintJob("d1", "bj-1", "2026-12-07T10-00-00Z-job-3-report.pdf", 18_204L, 45L));
    for (Message frame : frames) {
      assertThat(codec.decode(codec.encode(frame))).isEqualTo(frame);
    }
  }

  @Test
  void framesOfOlderPeersWithoutSnapshotFieldsStillDecode() {
    Message command =
        codec.decode(
            "{\"type\":\"command\",\"commandId\":\"c1\",\"kind\":\"STOP\","
                + "\"desktop\":{\"id\":\"d1\",\"cluster\":\"bj-1\",\"power\":\"OFF\"}}");
    assertThat(command).isInstanceOf(Command.class);
    assertThat(((Command) command).snapshot()).isNull();
    assertThat(((Command) command).desktop().restoreFrom()).isNull();
    assertThat(((Command) command).desktop().layers()).isEmpty();
    assertThat(
            codec.encode(new SnapshotStatus("s1", "d1", "c", SnapshotState.DELETED, null, null, 1)))
        .startsWith("{\"type\":\"snapshot-status\",\"snapshotId\":\"s1\"");
  }

  @Test
  void frameNamesItsTypeSoOtherLanguagesCanSpeakIt() {
    assertThat(codec.encode(new Heartbeat(1L)))
        .isEqualTo("{\"type\":\"heartbeat\",\"sentAtEpochMillis\":1}");
  }

  @Test
  void fileFramesHaveTheDocumentedShape() {
    assertThat(
            codec.encode(
                new FileOpen("t1", "d1", "bj-1", null, FileOpen.Op.DOWNLOAD, "a.txt", 1048576)))
        .isEqualTo(
            "{\"type\":\"file-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\","
                + "\"cluster\":\"bj-1\",\"op\":\"DOWNLOAD\",\"name\":\"a.txt\","
                + "\"maxBytes\":1048576}");
    assertThat(
            codec.encode(
                new FileOpen(
                    "t1",
                    "d1",
                    "bj-1",
                    null,
                    FileOpen.Op.LIST,
                    null,
                    1048576,
                    FileOpen.Folder.PRINTS)))
        .endsWith("\"maxBytes\":1048576,\"folder\":\"PRINTS\"}");
    // What a gateway before prints sent means the home.
    assertThat(
            ((FileOpen)
                    codec.decode(
                        "{\"type\":\"file-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\","
                            + "\"cluster\":\"bj-1\",\"op\":\"LIST\",\"maxBytes\":1}"))
                .folderOrHome())
        .isEqualTo(FileOpen.Folder.HOME);
  }

  @Test
  void tunnelFramesHaveTheDocumentedShape() {
    assertThat(codec.encode(new TunnelOpen("t1", "d1", "bj-1")))
        .isEqualTo(
            "{\"type\":\"tunnel-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\",\"cluster\":\"bj-1\"}");
    assertThat(ProtocolVersion.tunnelPath("t1")).isEqualTo("/agent/v1/tunnel/t1");
    assertThat(codec.encode(new TunnelOpen("t1", "d1", "bj-1", "ws://gw-2:8080", null)))
        .isEqualTo(
            "{\"type\":\"tunnel-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\","
                + "\"cluster\":\"bj-1\",\"dialBackUrl\":\"ws://gw-2:8080\"}");
    assertThat(codec.encode(new TunnelOpen("t1", "d1", "bj-1", null, "alice {time}")))
        .isEqualTo(
            "{\"type\":\"tunnel-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\","
                + "\"cluster\":\"bj-1\",\"watermark\":\"alice {time}\"}");
    // What a gateway before watermarks sent still decodes, with none.
    assertThat(
            codec.decode(
                "{\"type\":\"tunnel-open\",\"tunnelId\":\"t1\",\"desktopId\":\"d1\","
                    + "\"cluster\":\"bj-1\",\"dialBackUrl\":\"ws://gw-2:8080\"}"))
        .isEqualTo(new TunnelOpen("t1", "d1", "bj-1", "ws://gw-2:8080", null));
    assertThat(
            codec.decode(
                "{\"type\":\"tunnel-refused\",\"tunnelId\":\"t1\","
                    + "\"cause\":\"DIAL_BACK_REFUSED\",\"message\":\"m\"}"))
        .isEqualTo(new TunnelRefused("t1", TunnelRefused.Cause.DIAL_BACK_REFUSED, "m"));
  }

  @Test
  void aHelloOfAnAgentWithoutJoinTokensJoinsNoCluster() {
    Message old =
        codec.decode(
            "{\"type\":\"hello\",\"protocolVersion\":1,\"agentId\":\"a\","
                + "\"runtime\":\"simulated\",\"clusters\":[],\"inventory\":[]}");
    assertThat(((Hello) old).joinTokens()).isEmpty();
  }

  @Test
  void aWelcomeWithoutDeletionsDeletesNothing() {
    Message old =
        codec.decode(
            "{\"type\":\"welcome\",\"protocolVersion\":1,\"heartbeatSeconds\":5,\"desired\":[]}");
    assertThat(((Welcome) old).deleted()).isEmpty();
  }

  @Test
  void unknownFieldsFromNewerPeersAreIgnored() {
    assertThat(codec.decode("{\"type\":\"heartbeat\",\"sentAtEpochMillis\":3,\"extra\":true}"))
        .isEqualTo(new Heartbeat(3L));
  }

  @Test
  void garbageIsAProtocolError() {
    assertThatThrownBy(() -> codec.decode("{\"type\":\"bogus\"}"))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> codec.decode("not json")).isInstanceOf(ProtocolException.class);
  }
}
