package io.opencdi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandRequestTest {
  private static final UUID DESKTOP = UUID.fromString("5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11");
  private static final UUID CLUSTER = UUID.fromString("0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b");
  private static final UUID SNAPSHOT = UUID.fromString("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");

  @ParameterizedTest
  @EnumSource(
      value = CommandKind.class,
      names = {"START", "STOP", "DELETE"})
  void aDesktopCommandSurvivesARoundTrip(CommandKind kind) {
    CommandRequest request = CommandRequest.desktop(DESKTOP, CLUSTER, kind);
    assertThat(CommandRequest.decode(request.encode())).isEqualTo(request);
  }

  @ParameterizedTest
  @EnumSource(
      value = CommandKind.class,
      names = {"SNAPSHOT", "DELETE_SNAPSHOT"})
  void aSnapshotCommandSurvivesARoundTrip(CommandKind kind) {
    CommandRequest request = CommandRequest.snapshot(DESKTOP, CLUSTER, kind, SNAPSHOT);
    assertThat(CommandRequest.decode(request.encode())).isEqualTo(request);
  }

  @Test
  void theWireShapeIsTheOneReplicasExchange() {
    assertThat(CommandRequest.desktop(DESKTOP, CLUSTER, CommandKind.STOP).encode())
        .isEqualTo(
            "{\"desktopId\":\""
                + DESKTOP
                + "\",\"clusterId\":\""
                + CLUSTER
                + "\",\"kind\":\"STOP\"}");
    assertThat(CommandRequest.snapshot(DESKTOP, CLUSTER, CommandKind.SNAPSHOT, SNAPSHOT).encode())
        .isEqualTo(
            "{\"desktopId\":\""
                + DESKTOP
                + "\",\"clusterId\":\""
                + CLUSTER
                + "\",\"kind\":\"SNAPSHOT\",\"snapshotId\":\""
                + SNAPSHOT
                + "\"}");
  }

  @Test
  void requestsOfEarlierReplicasDecodeWhateverTheOrderOfTheirFields() {
    // What the gateway built by hand before the record: snapshot id before the kind.
    String handBuilt =
        "{\"desktopId\":\""
            + DESKTOP
            + "\",\"clusterId\":\""
            + CLUSTER
            + "\",\"snapshotId\":\""
            + SNAPSHOT
            + "\",\"kind\":\"DELETE_SNAPSHOT\"}";
    assertThat(CommandRequest.decode(handBuilt))
        .isEqualTo(
            CommandRequest.snapshot(DESKTOP, CLUSTER, CommandKind.DELETE_SNAPSHOT, SNAPSHOT));
  }

  @Test
  void unknownFieldsAreIgnored() {
    String newer =
        "{\"desktopId\":\""
            + DESKTOP
            + "\",\"clusterId\":\""
            + CLUSTER
            + "\",\"kind\":\"START\",\"priority\":3}";
    assertThat(CommandRequest.decode(newer))
        .isEqualTo(CommandRequest.desktop(DESKTOP, CLUSTER, CommandKind.START));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json",
        "null",
        "[]",
        "42",
        "\"START\"",
        "{}",
        // truncated
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\"",
        // a field missing
        "{\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"START\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\",\"kind\":\"START\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\"}",
        // a field null
        "{\"desktopId\":null,\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\","
            + "\"kind\":\"START\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":null}",
        // an id that is no UUID
        "{\"desktopId\":\"d-1\",\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\","
            + "\"kind\":\"START\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\",\"clusterId\":42,"
            + "\"kind\":\"START\"}",
        "{\"desktopId\":\"\",\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\","
            + "\"kind\":\"START\"}",
        // a kind that is none
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"REBOOT\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"start\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":0}",
        // a snapshot kind without its snapshot, a desktop kind with one
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"SNAPSHOT\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"STOP\","
            + "\"snapshotId\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"SNAPSHOT\","
            + "\"snapshotId\":\"s-1\"}",
        // a field twice, or something after the object
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"START\","
            + "\"kind\":\"DELETE\"}",
        "{\"desktopId\":\"5b0f6c1e-8a53-4c8e-9d43-2f8b1f0c4a11\","
            + "\"clusterId\":\"0c9e8f3a-1d2b-4e5f-8a6b-7c8d9e0f1a2b\",\"kind\":\"START\"} {}",
      })
  void malformedTextIsAProtocolException(String text) {
    assertThatThrownBy(() -> CommandRequest.decode(text))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("malformed command request");
  }

  @Test
  void noTextIsAProtocolException() {
    assertThatThrownBy(() -> CommandRequest.decode(null)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void aRequestThatCouldNotBeCarriedOutCannotBeMade() {
    assertThatThrownBy(() -> CommandRequest.desktop(DESKTOP, CLUSTER, CommandKind.SNAPSHOT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a snapshotId");
    assertThatThrownBy(() -> CommandRequest.snapshot(DESKTOP, CLUSTER, CommandKind.START, SNAPSHOT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes no snapshotId");
    assertThatThrownBy(() -> CommandRequest.desktop(null, CLUSTER, CommandKind.START))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandRequest.desktop(DESKTOP, null, CommandKind.START))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandRequest.desktop(DESKTOP, CLUSTER, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
