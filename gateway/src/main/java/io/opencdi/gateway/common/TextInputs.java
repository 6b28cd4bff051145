package io.opencdi.gateway.common;

/**
 * Bounds on the free text clients send (regions, zones, user names): every such input is checked
 * before it reaches placement or the database, so a huge string costs its sender a {@code
 * VALIDATION} error and nobody anything else.
 */
public final class TextInputs {
  /** Regions and zones are Kubernetes label values: at most 63 characters. */
  public static final int MAX_LABEL = 63;

  /** User names, as {@code login} accepts them. */
  public static final int MAX_USERNAME = 64;

  private TextInputs() {}

  /** A region or zone: absent, or 1-63 characters. */
  public static void label(String what, String value) {
    bounded(what, value, MAX_LABEL);
  }

  /** A user name: absent, or 1-64 characters. */
  public static void username(String what, String value) {
    bounded(what, value, MAX_USERNAME);
  }

  private static void bounded(String what, String value, int max) {
    if (value != null && (value.isBlank() || value.length() > max)) {
      throw new ValidationException(what + " must be 1-" + max + " characters");
    }
  }
}
