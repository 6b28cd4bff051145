package io.opencdi.agent.runtime;

import java.util.Optional;

/**
 * The watermark text a gateway sent with a tunnel request, as a desktop may be given it: one line
 * of printable characters, bounded. The desktop draws it as text and never interprets it, so this
 * only keeps a malformed request from reaching a desktop's file or a Pod's annotation.
 */
public final class Watermark {
  /** The template allows 120 characters; a long user or desktop name fills in to at most this. */
  public static final int MAX_CHARS = 400;

  private Watermark() {}

  /** The text to draw, or empty for none (no text, or text that is not one printable line). */
  public static Optional<String> of(String text) {
    if (text == null || text.isBlank() || text.length() > MAX_CHARS) {
      return Optional.empty();
    }
    boolean printable =
        text.codePoints()
            .allMatch(c -> !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT);
    return printable ? Optional.of(text.strip()) : Optional.empty();
  }
}
