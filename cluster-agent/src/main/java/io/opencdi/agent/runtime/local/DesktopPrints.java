package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.FileNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The prints folder of one local desktop (ADR 0043): {@code <desktop>/prints}, next to its home and
 * not in it, where the desktop's virtual PDF printer (the entrypoint's cupsd, told by {@code
 * OPENCDI_PRINT_DIR}) writes one PDF per job. The desktop's user owns it (mode 700), and the
 * desktop sees it read-write but {@code noexec}; the agent hands its files out through the file
 * tunnel, listed and downloaded only. Kept across power cycles, removed with the desktop; only the
 * newest PDFs stay ({@link PrintRetention}, see {@link #prune}).
 */
final class DesktopPrints {
  static final String DIR = "prints";

  private DesktopPrints() {}

  /** The prints folder of the desktop whose files are in {@code desktopDir}. */
  static Path dir(Path desktopDir) {
    return desktopDir.resolve(DIR);
  }

  /**
   * Whether {@code name} is a whole PDF: the printer writes a job under a hidden name and renames
   * it when done, so a visible, plain PDF name is one.
   */
  static boolean isPrint(String name) {
    return name.endsWith(".pdf") && FileNames.valid(name);
  }

  /**
   * The names of the whole PDFs in the prints folder {@code dir} (at most {@link
   * PrintWatch#MAX_ENTRIES} entries read, like a look).
   */
  static Set<String> names(Path dir) throws IOException {
    Set<String> names = new HashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      int read = 0;
      for (Path entry : entries) {
        if (++read > PrintWatch.MAX_ENTRIES) {
          break;
        }
        String name = entry.getFileName().toString();
        if (isPrint(name)) {
          names.add(name);
        }
      }
    }
    return Set.copyOf(names);
  }

  /**
   * Makes the folder for a desktop being started, keeping the newest PDFs of its earlier runs.
   *
   * @param uid the desktop's user, its owner, or -1 to leave the agent's own user the owner
   */
  static Path create(Path desktopDir, int uid, PrintRetention retention) throws IOException {
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
    prune(dir, retention);
    return dir;
  }

  /**
   * Removes the oldest whole PDFs of the prints folder {@code dir} beyond {@code retention}, and
   * returns their names. The folder is the desktop user's to fill, and the agent may run as root:
   * it is opened without following a link, and only regular files directly in it are removed, each
   * by its name in the open folder (a link put in a file's place meanwhile is removed itself, never
   * its target). Hidden files (a job being written), other names, links and directories are left
   * alone. At most {@link PrintWatch#MAX_ENTRIES} entries are read, like a look; a folder flooded
   * beyond that with other files is pruned among those read.
   */
  static List<String> prune(Path dir, PrintRetention retention) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    try (DirectoryStream<Path> up = Files.newDirectoryStream(parent)) {
      if (!(up instanceof SecureDirectoryStream<Path> secureParent)) {
        throw new IOException("no directory stream that can refuse links on this platform");
      }
      try (SecureDirectoryStream<Path> prints =
          secureParent.newDirectoryStream(dir.getFileName(), LinkOption.NOFOLLOW_LINKS)) {
        List<PrintRetention.Print> found = new ArrayList<>();
        int read = 0;
        for (Path entry : prints) {
          if (++read > PrintWatch.MAX_ENTRIES) {
            break;
          }
          Path name = entry.getFileName();
          if (!isPrint(name.toString())) {
            continue;
          }
          BasicFileAttributes attributes;
          try {
            attributes =
                prints
                    .getFileAttributeView(
                        name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
          } catch (IOException e) {
            continue; // gone meanwhile
          }
          if (attributes.isRegularFile()) {
            found.add(
                new PrintRetention.Print(
                    name.toString(), attributes.size(), attributes.lastModifiedTime().toMillis()));
          }
        }
        List<String> removed = new ArrayList<>();
        for (String name : retention.toRemove(found)) {
          try {
            prints.deleteFile(Path.of(name)); // unlinkat in the open folder
            removed.add(name);
          } catch (IOException e) {
            // Gone or made a directory meanwhile: not a print to remove.
          }
        }
        return removed;
      }
    }
  }
}
