package io.opencdi.gateway.common;

import java.util.regex.Pattern;

/**
 * Bounds on the free text clients send (regions, zones, user names, desktop and snapshot names):
 * every such input is checked before it reaches placement or the database, so a huge string costs
 * its sender a {@code VALIDATION} error and nobody anything else.
 */
public final class TextInputs {
  /** Regions and zones are Kubernetes label values: at most 63 characters. */
  public static final int MAX_LABEL = 63;

  /** User names, as {@code login} accepts them. */
  public static final int MAX_USERNAME = 64;

  /** Desktop and snapshot names: a letter or digit, then up to 62 letters, digits, " ._-". */
  private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]{0,62}");

  private TextInputs() {}

  /** A desktop's or snapshot's name, stripped; {@code VALIDATION} when it is not one. */
  public static String name(String value) {
    String stripped = value == null ? "" : value.strip();
    if (!isName(stripped)) {
      throw new ValidationException(
          "name must be 1-63 letters, digits, spaces, '.', '_' or '-', starting with a letter or"
              + " digit");
    }
    return stripped;
  }

  /** Whether {@code value} (already stripped) is a well-formed desktop or snapshot name. */
  public static boolean isName(String value) {
    return NAME.matcher(value).matches();
  }

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
