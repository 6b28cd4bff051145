package io.opencdi.gateway.common;

import java.util.UUID;

/** Parses ids that clients send, turning garbage into a VALIDATION error instead of a crash. */
public final class Ids {
  private Ids() {}

  public static UUID parse(String id, String what) {
    if (id == null || id.isBlank()) {
      throw new ValidationException(what + " id is required");
    }
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new ValidationException(what + " id '" + abbreviate(id) + "' is not a valid id");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }
}
