package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The local runtime's data directory and the files it keeps there for each desktop: {@code
 * desktops/<id>/} with its {@code home}, its user id ({@code uid}) and the layers it last started
 * with ({@code layers}), and the agent's copy of the entrypoint in {@code bin/}. These outlive the
 * agent; the launcher, the recovery after a restart and the layer collection all read them, so the
 * layout and the careful ways of writing and removing trees live in one place.
 */
final class LocalDataDir {
  // Logs under the runtime's category, as before these files had a class of their own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);
  private static final String UID_FILE = "uid";
  // The manifest digests of the layers a desktop last started with, one a line.
  private static final String LAYERS_FILE = "layers";

  private final Path root;
  private final Path desktopsDir;
  // The entrypoint as desktops run it: a copy owned by the agent that every desktop user can read.
  private final Path entrypoint;

  LocalDataDir(Path root) {
    this.root = root;
    this.desktopsDir = root.resolve("desktops");
    this.entrypoint = root.resolve("bin").resolve("entrypoint.sh");
  }

  /** The directory of every desktop's own directory. */
  Path desktops() {
    return desktopsDir;
  }

  /** The agent's copy of the entrypoint, which desktops run. */
  Path entrypoint() {
    return entrypoint;
  }

  /** A desktop's own directory (it may not exist). */
  Path dir(String desktopId) {
    return desktopsDir.resolve(desktopId);
  }

  /** A desktop's home directory (it may not exist). */
  Path home(String desktopId) {
    return dir(desktopId).resolve("home");
  }

  /** Creates the data directory and the desktops' directory, and copies the entrypoint in. */
  void prepare(Path entrypointSource) throws IOException {
    if (!Files.exists(root)) {
      // Ours alone: traversable (for gVisor desktops' users), never listable, whatever the umask.
      Files.createDirectories(root);
      setMode(root, "rwx--x--x");
    }
    Files.createDirectories(desktopsDir);
    setMode(desktopsDir, "rwx--x--x");
    // The desktops' entrypoint is the agent's own copy, readable by every desktop user, which
    // the checkout's (perhaps in a directory no one else may enter) need not be.
    Path bin = entrypoint.getParent();
    Files.createDirectories(bin);
    setMode(bin, "rwxr-xr-x");
    Path partial = bin.resolve(".entrypoint.sh.partial");
    Files.copy(entrypointSource, partial, StandardCopyOption.REPLACE_EXISTING);
    setMode(partial, "rwxr-xr-x");
    Files.move(
        partial, entrypoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Why users other than root cannot reach the desktops' directory (an ancestor without the search
   * bit for others), or null. Desktops in namespaces of their own do not need it; gVisor desktops
   * do.
   */
  String unreachableByOthers() {
    for (Path p = desktopsDir; p != null; p = p.getParent()) {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return "the data directory is not reachable by desktop users ("
              + p
              + " has mode "
              + PosixFilePermissions.toString(perms)
              + "; gVisor desktops need every ancestor traversable, e.g. /var/lib/opencdi/local)";
        }
      } catch (IOException e) {
        return "cannot read the mode of " + p + ": " + e.getMessage();
      }
    }
    return null;
  }

  // --- a desktop's user id

  /** The user id recorded in a desktop's directory, or -1 when there is none. */
  static int readUid(Path dir) {
    try {
      return Integer.parseInt(Files.readString(dir.resolve(UID_FILE)).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  static void writeUid(Path dir, int uid) throws IOException {
    Files.writeString(dir.resolve(UID_FILE), uid + "\n");
  }

  // --- the layers a desktop references

  /**
   * Records the layers a desktop starts with, so that an agent that restarts knows them. A new
   * desktop without layers gets no directory for it.
   */
  void writeLayers(String desktopId, List<String> digests) throws IOException {
    Path file = dir(desktopId).resolve(LAYERS_FILE);
    if (digests.isEmpty() && !Files.exists(file.getParent(), LinkOption.NOFOLLOW_LINKS)) {
      return; // a new desktop without layers: nothing to remember
    }
    Files.createDirectories(file.getParent());
    Path partial = file.resolveSibling("." + LAYERS_FILE + ".partial");
    Files.writeString(partial, digests.stream().map(x -> x + "\n").reduce("", String::concat));
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The layers a desktop found in its directory last started with, or null when it has no record
   * (an agent without layer collection started it) or the record cannot be read.
   */
  static Set<String> readLayers(Path dir) {
    Path file = dir.resolve(LAYERS_FILE);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      Set<String> digests = new HashSet<>();
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) {
          continue;
        }
        if (!OciImages.isDigest(line.strip())) {
          return null;
        }
        digests.add(line.strip());
      }
      return Set.copyOf(digests);
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
  }

  // --- trees

  static void setMode(Path path, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException | IOException e) {
      LOG.debugf("could not set mode %s on %s: %s", mode, path, e.getMessage());
    }
  }

  /** Gives a tree to a user, never following symbolic links (the links themselves change owner). */
  static void ownTree(Path root, int uid) throws IOException {
    if (Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(uid)
        && Files.getAttribute(root, "unix:gid", LinkOption.NOFOLLOW_LINKS).equals(uid)) {
      return; // given to it at an earlier start
    }
    try (var files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(uid)
            || !Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS).equals(uid)) {
          Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // Symbolic links are removed, never followed: a desktop's home may point anywhere.
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
