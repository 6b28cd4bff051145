package io.opencdi.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One frame of the control channel between the gateway and a cluster agent. Frames are JSON text
 * messages whose {@code type} property names the record; see {@code docs/agent-protocol.md}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Hello.class, name = "hello"),
  @JsonSubTypes.Type(value = Welcome.class, name = "welcome"),
  @JsonSubTypes.Type(value = CapacityUpdate.class, name = "capacity"),
  @JsonSubTypes.Type(value = Heartbeat.class, name = "heartbeat"),
  @JsonSubTypes.Type(value = DesktopStatus.class, name = "status"),
  @JsonSubTypes.Type(value = Command.class, name = "command"),
  @JsonSubTypes.Type(value = CommandAck.class, name = "ack"),
  @JsonSubTypes.Type(value = TunnelOpen.class, name = "tunnel-open"),
  @JsonSubTypes.Type(value = TunnelRefused.class, name = "tunnel-refused"),
  @JsonSubTypes.Type(value = LiveQuery.class, name = "live-query"),
  @JsonSubTypes.Type(value = LiveReport.class, name = "live-report"),
  @JsonSubTypes.Type(value = SnapshotStatus.class, name = "snapshot-status"),
  @JsonSubTypes.Type(value = FileOpen.class, name = "file-open"),
  @JsonSubTypes.Type(value = AudioOpen.class, name = "audio-open"),
  @JsonSubTypes.Type(value = PrintJob.class, name = "print-job"),
})
public sealed interface Message
    permits Hello,
        Welcome,
        CapacityUpdate,
        Heartbeat,
        DesktopStatus,
        Command,
        CommandAck,
        TunnelOpen,
        TunnelRefused,
        LiveQuery,
        LiveReport,
        SnapshotStatus,
        FileOpen,
        AudioOpen,
        PrintJob {}
