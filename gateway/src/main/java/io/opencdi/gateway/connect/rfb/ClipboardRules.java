package io.opencdi.gateway.connect.rfb;

/**
 * What clipboard text the broker lets through: the direction(s) allowed by the desktop's template
 * and the largest text in bytes.
 */
public record ClipboardRules(boolean toDesktop, boolean fromDesktop, int maxBytes) {
  /** Whether a cut-text message of {@code length} bytes (negative: extended format) may pass. */
  boolean allows(boolean intoDesktop, long length) {
    // The extended clipboard format is never negotiated (see RfbInspector); drop it if it comes.
    return (intoDesktop ? toDesktop : fromDesktop) && length >= 0 && length <= maxBytes;
  }
}
