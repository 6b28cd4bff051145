package io.opencdi.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NotifyPayloadsTest {
  private static List<String> events(int count, int padding) {
    return IntStream.range(0, count)
        .mapToObj(i -> new JsonObject().put("n", i).put("pad", "é".repeat(padding)).encode())
        .toList();
  }

  /** What a listener sees: each payload unpacked, in order. */
  private static List<String> unpack(List<String> payloads) {
    List<String> out = new ArrayList<>();
    for (String p : payloads) {
      JsonObject o = new JsonObject(p);
      if (o.getValue(NotifyPayloads.BATCH) instanceof JsonArray batch) {
        batch.forEach(e -> out.add(((JsonObject) e).encode()));
      } else {
        out.add(o.encode());
      }
    }
    return out;
  }

  @Test
  void manyEventsTravelInFewPayloadsBelowTheLimitInOrder() {
    // 'é' is two bytes in UTF-8: the limit is counted in bytes, as PostgreSQL counts it.
    List<String> events = events(500, 150);
    List<String> payloads = NotifyPayloads.pack(events, NotifyPayloads.LIMIT);

    assertThat(payloads.size()).isGreaterThan(1).isLessThan(events.size() / 10);
    assertThat(payloads)
        .allSatisfy(
            p -> assertThat(p.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(7900));
    assertThat(unpack(payloads)).isEqualTo(events);
  }

  @Test
  void anEventTooLargeToShareAPayloadGoesAloneUnwrapped() {
    List<String> events = new ArrayList<>(events(3, 10));
    String big = new JsonObject().put("n", "big").put("pad", "x".repeat(7895)).encode();
    events.add(1, big);

    List<String> payloads = NotifyPayloads.pack(events, NotifyPayloads.LIMIT);

    assertThat(payloads).hasSize(3).element(1).isEqualTo(big);
    assertThat(unpack(payloads)).isEqualTo(events);
  }

  @Test
  void noEventsNoPayloads() {
    assertThat(NotifyPayloads.pack(List.of(), NotifyPayloads.LIMIT)).isEmpty();
  }
}
