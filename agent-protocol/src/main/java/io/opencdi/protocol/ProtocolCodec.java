package io.opencdi.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Encodes and decodes control-channel frames. Thread-safe. */
public final class ProtocolCodec {
  private final ObjectMapper mapper =
      JsonMapper.builder()
          // Newer peers may add fields; ignoring them keeps minor versions compatible.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  /** Serialises a frame to JSON text. */
  public String encode(Message message) {
    try {
      return mapper.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  /**
   * Parses one frame.
   *
   * @throws ProtocolException when the text is not a known frame
   */
  public Message decode(String text) {
    try {
      return mapper.readValue(text, Message.class);
    } catch (JsonProcessingException e) {
      throw new ProtocolException("malformed frame: " + e.getOriginalMessage(), e);
    }
  }
}
