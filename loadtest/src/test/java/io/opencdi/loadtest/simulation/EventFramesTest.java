package io.opencdi.loadtest.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class EventFramesTest {
  private static final String AT = "2026-12-07T14:00:01.234Z";

  @Test
  void aNextFrameGivesItsEventsTimeAsTheFullParseDoes() {
    String frame =
        "{\"id\":\"1\",\"type\":\"next\",\"payload\":{\"data\":{\"desktopEvents\":"
            + "{\"previousState\":\"PENDING\",\"at\":\""
            + AT
            + "\",\"desktop\":{\"id\":\"d-1\",\"name\":\"a\",\"state\":\"SCHEDULED\","
            + "\"statusReason\":null,\"cluster\":{\"name\":\"c\"}}}}}}";
    JsonNode tree = Gql.read(frame);
    long parsed =
        OffsetDateTime.parse(
                tree.path("payload").path("data").path("desktopEvents").path("at").asText())
            .toInstant()
            .toEpochMilli();

    assertThat(EventFrames.sentAt(frame)).isEqualTo(parsed).isEqualTo(1_796_652_001_234L);
  }

  @Test
  void framesThatAreNotPlainEventsAreLeftToTheFullParse() {
    assertThat(EventFrames.sentAt("{\"type\":\"pong\"}")).isEqualTo(-1);
    assertThat(EventFrames.sentAt("{\"id\":\"1\",\"type\":\"complete\"}")).isEqualTo(-1);
    assertThat(
            EventFrames.sentAt(
                "{\"id\":\"1\",\"type\":\"next\",\"payload\":{\"errors\":[{\"message\":\"x\"}],"
                    + "\"data\":{\"desktopEvents\":{\"at\":\""
                    + AT
                    + "\"}}}}"))
        .isEqualTo(-1);
    // Two times (a shape this reader does not know) or a malformed one.
    assertThat(
            EventFrames.sentAt(
                "{\"type\":\"next\",\"payload\":{\"data\":{\"desktopEvents\":{\"at\":\""
                    + AT
                    + "\",\"desktop\":{\"at\":\""
                    + AT
                    + "\"}}}}}"))
        .isEqualTo(-1);
    assertThat(
            EventFrames.sentAt(
                "{\"type\":\"next\",\"payload\":{\"data\":{\"desktopEvents\":{\"at\":\"soon\"}}}}"))
        .isEqualTo(-1);
  }
}
