package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Snapshots of desktop homes in the local runtime: a full copy of the home directory under {@code
 * <data-dir>/snapshots/<snapshot-id>/home}. A copy is made under a temporary name and renamed when
 * complete, so a directory named {@code home} is always a whole snapshot, also after a crash.
 *
 * <p>The copy keeps modes, owners and times, and copies symbolic links as links (never following
 * them: a home may point anywhere on the host). A copy of a running desktop's home is
 * crash-consistent, like a CSI snapshot of a mounted volume.
 */
final class HomeSnapshots {
  private static final String COPY = "home";
  private static final String PARTIAL = "home.partial";

  private final Path root;

  HomeSnapshots(Path root) {
    this.root = root;
  }

  /** Creates the snapshot directory and removes copies that an interrupted agent left behind. */
  void prepare() throws IOException {
    Files.createDirectories(root);
    try (var dirs = Files.list(root)) {
      for (Path dir : dirs.toList()) {
        if (!Files.isDirectory(dir.resolve(COPY), LinkOption.NOFOLLOW_LINKS)) {
          LocalDataDir.deleteTree(dir);
        }
      }
    }
  }

  /** The size in bytes of the complete snapshot, or empty when there is none of that id. */
  Optional<Long> size(String snapshotId) throws IOException {
    Path copy = root.resolve(snapshotId).resolve(COPY);
    return Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)
        ? Optional.of(sizeOf(copy))
        : Optional.empty();
  }

  /** Whether a complete snapshot of that id exists. */
  boolean exists(String snapshotId) {
    return Files.isDirectory(root.resolve(snapshotId).resolve(COPY), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Copies {@code home} into the snapshot {@code snapshotId} and returns its size in bytes.
   *
   * @throws IOException when the home cannot be read or the copy not written; nothing is left
   */
  long take(String snapshotId, Path home) throws IOException {
    Path dir = root.resolve(snapshotId);
    Path partial = dir.resolve(PARTIAL);
    LocalDataDir.deleteTree(partial);
    Files.createDirectories(dir);
    try {
      if (Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS)) {
        copyTree(home, partial);
      } else {
        Files.createDirectory(partial); // a desktop that never ran has an empty home
      }
      Files.move(partial, dir.resolve(COPY), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LocalDataDir.deleteTree(dir);
      throw e;
    }
    return sizeOf(dir.resolve(COPY));
  }

  /**
   * Makes {@code home} (which must not exist) a copy of the snapshot.
   *
   * @throws IOException when there is no complete snapshot of that id or the copy fails; a partial
   *     home is removed
   */
  void restore(String snapshotId, Path home) throws IOException {
    Path copy = root.resolve(snapshotId).resolve(COPY);
    if (!Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("snapshot " + snapshotId + " does not exist on this node");
    }
    if (Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(home.toString());
    }
    Path partial = home.resolveSibling(home.getFileName() + ".restoring");
    LocalDataDir.deleteTree(partial);
    Files.createDirectories(home.getParent());
    try {
      copyTree(copy, partial);
      Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LocalDataDir.deleteTree(partial);
      throw e;
    }
  }

  /** Removes the snapshot; an unknown one is no error. */
  void delete(String snapshotId) throws IOException {
    LocalDataDir.deleteTree(root.resolve(snapshotId));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.copy(
                dir,
                to.resolve(from.relativize(dir).toString()),
                StandardCopyOption.COPY_ATTRIBUTES,
                LinkOption.NOFOLLOW_LINKS);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            // Sockets and FIFOs of a running session are not data: they are skipped.
            if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
              Files.copy(
                  file,
                  to.resolve(from.relativize(file).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES,
                  LinkOption.NOFOLLOW_LINKS);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            // Copying the directory's entries changed its times; put the original ones back.
            Path target = to.resolve(from.relativize(dir).toString());
            Files.setLastModifiedTime(target, Files.getLastModifiedTime(dir));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static long sizeOf(Path dir) throws IOException {
    AtomicLong total = new AtomicLong();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              total.addAndGet(attrs.size());
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return total.get();
  }
}
