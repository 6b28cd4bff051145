package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The watermark file of one local desktop (ADR 0040): {@code <desktop>/policy/watermark}, written
 * by the agent (root when it runs desktops as their own users), read by the desktop's watermark
 * program, which polls it. The desktop sees the directory read-only; its user cannot change or
 * remove what it is told to draw. Replaced by a rename, so the desktop never reads half a text.
 */
final class DesktopWatermark {
  static final String FILE = "watermark";

  private final Path dir;

  private DesktopWatermark(Path dir) {
    this.dir = dir;
  }

  /** The watermark of the desktop whose files are in {@code desktopDir}. */
  static DesktopWatermark of(Path desktopDir) {
    return new DesktopWatermark(desktopDir.resolve("policy"));
  }

  /** Makes the directory for a desktop being started, with no watermark until a viewer connects. */
  static DesktopWatermark create(Path desktopDir) throws IOException {
    DesktopWatermark w = of(desktopDir);
    w.ensureDir();
    Files.deleteIfExists(w.file());
    return w;
  }

  Path dir() {
    return dir;
  }

  Path file() {
    return dir.resolve(FILE);
  }

  /** Has the desktop draw {@code text}, or nothing when it is null. */
  void show(String text) throws IOException {
    ensureDir();
    if (text == null) {
      Files.deleteIfExists(file());
      return;
    }
    Path next = Files.createTempFile(dir, ".watermark-", ".tmp");
    try {
      Files.writeString(next, text + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(next, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(next);
    }
  }

  private void ensureDir() throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
