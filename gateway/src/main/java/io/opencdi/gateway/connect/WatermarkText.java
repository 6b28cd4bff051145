package io.opencdi.gateway.connect;

/**
 * The text a desktop draws over its screen for one connection (ADR 0040): the template's pattern
 * with {@code {user}} (the viewer's user name) and {@code {desktop}} (the desktop's name) filled
 * in. {@code {time}} is left in: the desktop keeps it current for as long as the text is shown.
 */
public final class WatermarkText {
  private WatermarkText() {}

  /**
   * The text for {@code username} viewing {@code desktopName}, or null when there is no pattern.
   */
  public static String fill(String pattern, String username, String desktopName) {
    if (pattern == null || pattern.isBlank()) {
      return null;
    }
    // One pass, so a user name that itself reads "{desktop}" is drawn as typed.
    StringBuilder out = new StringBuilder(pattern.length() + 64);
    int i = 0;
    while (i < pattern.length()) {
      if (pattern.startsWith("{user}", i)) {
        out.append(username);
        i += "{user}".length();
      } else if (pattern.startsWith("{desktop}", i)) {
        out.append(desktopName);
        i += "{desktop}".length();
      } else {
        out.append(pattern.charAt(i++));
      }
    }
    return out.toString();
  }
}
