package io.opencdi.gateway.db;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs many events of one channel into few NOTIFY payloads. PostgreSQL refuses a payload of 8,000
 * bytes or more, so events go into {@code {"batch":[…]}} payloads that stay below {@link #LIMIT}.
 * Order is kept: payloads, and the events in each, follow the input order.
 */
public final class NotifyPayloads {
  /** The largest payload packed, in UTF-8 bytes (PostgreSQL's limit is 8,000 exclusive). */
  public static final int LIMIT = 7900;

  static final String BATCH = "batch";
  private static final String OPEN = "{\"" + BATCH + "\":[";
  private static final String CLOSE = "]}";

  private NotifyPayloads() {}

  /**
   * Payloads for {@code events} (each an encoded JSON object). An event too large to share a
   * payload is sent on its own, unwrapped, exactly as a single publish would send it.
   */
  public static List<String> pack(List<String> events, int limit) {
    List<String> payloads = new ArrayList<>();
    StringBuilder current = null;
    int bytes = 0;
    int overhead = OPEN.length() + CLOSE.length();
    for (String event : events) {
      int size = event.getBytes(StandardCharsets.UTF_8).length;
      if (current != null && bytes + 1 + size + CLOSE.length() > limit) {
        payloads.add(close(current));
        current = null;
      }
      if (current == null) {
        if (size + overhead > limit) {
          payloads.add(event);
          continue;
        }
        current = new StringBuilder(OPEN).append(event);
        bytes = OPEN.length() + size;
      } else {
        current.append(',').append(event);
        bytes += 1 + size;
      }
    }
    if (current != null) {
      payloads.add(close(current));
    }
    return payloads;
  }

  private static String close(StringBuilder payload) {
    return payload.append(CLOSE).toString();
  }
}
