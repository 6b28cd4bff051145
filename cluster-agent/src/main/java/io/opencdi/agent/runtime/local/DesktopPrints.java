package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The prints folder of one local desktop (ADR 0043): {@code <desktop>/prints}, next to its home and
 * not in it, where the desktop's virtual PDF printer (the entrypoint's cupsd, told by {@code
 * OPENCDI_PRINT_DIR}) writes one PDF per job. The desktop's user owns it (mode 700), and the
 * desktop sees it read-write but {@code noexec}; the agent hands its files out through the file
 * tunnel, listed and downloaded only. Kept across power cycles, removed with the desktop.
 */
final class DesktopPrints {
  static final String DIR = "prints";

  private DesktopPrints() {}

  /** The prints folder of the desktop whose files are in {@code desktopDir}. */
  static Path dir(Path desktopDir) {
    return desktopDir.resolve(DIR);
  }

  /**
   * Makes the folder for a desktop being started, keeping the PDFs of its earlier runs.
   *
   * @param uid the desktop's user, its owner, or -1 to leave the agent's own user the owner
   */
  static Path create(Path desktopDir, int uid) throws IOException {
    Path dir = dir(desktopDir);
    if (Files.isSymbolicLink(dir)) {
      Files.delete(dir); // never the agent's to follow
    }
    Files.createDirectories(dir);
    if (uid >= 0) {
      Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(dir, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    return dir;
  }
}
