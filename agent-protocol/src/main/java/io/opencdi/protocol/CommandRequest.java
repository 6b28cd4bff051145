package io.opencdi.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Set;
import java.util.UUID;

/**
 * A request, between gateway replicas, that a {@link Command} be sent to the agent of a cluster.
 * The replica that commits a change publishes it on the database's command channel (PostgreSQL
 * NOTIFY); every replica hears it, and the one holding the link of {@code clusterId}'s agent turns
 * it into a {@link Command} (with the desktop's, and the snapshot's, current spec) and sends it. It
 * is not a frame of the control channel: agents never see it.
 *
 * <p>On the wire it is one JSON object whose identifiers are strings, with {@code snapshotId} only
 * for the snapshot kinds:
 *
 * <pre>{@code
 * {"desktopId":"…","clusterId":"…","kind":"START"}
 * {"desktopId":"…","clusterId":"…","kind":"SNAPSHOT","snapshotId":"…"}
 * }</pre>
 *
 * @param desktopId the desktop the command is about (for snapshot kinds: whose volume is copied)
 * @param clusterId the cluster whose agent carries it out
 * @param kind what to do
 * @param snapshotId the snapshot that {@link CommandKind#SNAPSHOT} takes or {@link
 *     CommandKind#DELETE_SNAPSHOT} removes; null for the desktop kinds, and required for the
 *     snapshot kinds
 */
public record CommandRequest(
    UUID desktopId,
    UUID clusterId,
    CommandKind kind,
    @JsonInclude(JsonInclude.Include.NON_NULL) UUID snapshotId) {

  private static final Set<CommandKind> SNAPSHOT_KINDS =
      Set.of(CommandKind.SNAPSHOT, CommandKind.DELETE_SNAPSHOT);

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          // Like frames: a newer replica may add fields that an older one ignores.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // A kind is its name: 0 is no START, and a field twice is no object of this shape.
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /**
   * @throws IllegalArgumentException when an id or the kind is missing, or when {@code snapshotId}
   *     is missing for a snapshot kind or given for a desktop kind
   */
  public CommandRequest {
    if (desktopId == null || clusterId == null || kind == null) {
      throw new IllegalArgumentException("desktopId, clusterId and kind are required");
    }
    if (SNAPSHOT_KINDS.contains(kind) != (snapshotId != null)) {
      throw new IllegalArgumentException(
          snapshotId == null
              ? kind + " needs a snapshotId"
              : kind + " is about a desktop and takes no snapshotId");
    }
  }

  /** A request about the desktop alone ({@code START}, {@code STOP}, {@code DELETE}). */
  public static CommandRequest desktop(UUID desktopId, UUID clusterId, CommandKind kind) {
    return new CommandRequest(desktopId, clusterId, kind, null);
  }

  /** A request about a snapshot of the desktop ({@code SNAPSHOT}, {@code DELETE_SNAPSHOT}). */
  public static CommandRequest snapshot(
      UUID desktopId, UUID clusterId, CommandKind kind, UUID snapshotId) {
    return new CommandRequest(desktopId, clusterId, kind, snapshotId);
  }

  /** The JSON text the notification carries. */
  public String encode() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a command request", e);
    }
  }

  /**
   * Parses the JSON text of a notification. Fields it does not know are ignored.
   *
   * @throws ProtocolException when the text is not JSON, not one object, has an id that is not a
   *     UUID or a kind that is not a {@link CommandKind}, lacks a required field, or names a
   *     snapshot where the kind does not take one (or no snapshot where it does)
   */
  public static CommandRequest decode(String text) {
    if (text == null) {
      throw new ProtocolException("malformed command request: no text");
    }
    CommandRequest request;
    try {
      request = MAPPER.readValue(text, CommandRequest.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      String why =
          cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
      throw new ProtocolException("malformed command request: " + why, e);
    }
    if (request == null) {
      throw new ProtocolException("malformed command request: null");
    }
    return request;
  }
}
