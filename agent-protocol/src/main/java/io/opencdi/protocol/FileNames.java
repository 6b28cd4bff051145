package io.opencdi.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Which names a file transfer may use: one name at the top of a desktop's home, never a path. The
 * gateway checks before it asks the agent, and the agent checks again (it trusts no gateway input
 * with its file system).
 */
public final class FileNames {
  /** Longest name in UTF-8 bytes, as on Linux file systems. */
  public static final int MAX_BYTES = 255;

  private FileNames() {}

  /**
   * Whether {@code name} is a plain, visible file name: 1 to {@value #MAX_BYTES} UTF-8 bytes, no
   * {@code /}, no control characters (NUL included), not starting with {@code .} (so not {@code .}
   * or {@code ..}, and never a hidden file such as a shell's start-up file), no leading or trailing
   * space.
   */
  public static boolean valid(String name) {
    if (name == null || name.isEmpty() || name.startsWith(".")) {
      return false;
    }
    if (name.strip().length() != name.length()) {
      return false;
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/'
          || Character.isISOControl(c)
          || Character.isSurrogate(c) && !validPair(name, i)) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        i++;
      }
    }
    return true;
  }

  private static boolean validPair(String name, int i) {
    return Character.isHighSurrogate(name.charAt(i))
        && i + 1 < name.length()
        && Character.isLowSurrogate(name.charAt(i + 1));
  }
}
