package io.opencdi.gateway.db;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * PostgreSQL's programs, unpacked from the binaries on the class path into a directory of the
 * temporary directory that only this user may write and everyone may read: the database's own user
 * must run them, and the data directory's parents may be closed to it.
 */
record PostgresBinaries(Path dir) {
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";

  Path program(String name) {
    return dir.resolve("bin").resolve(name);
  }

  static PostgresBinaries extract() throws IOException {
    byte[] archive;
    try (InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (in == null) {
        throw new IOException("no embedded PostgreSQL for this platform (" + ARCHIVE + ")");
      }
      archive = in.readAllBytes();
    }
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    Path base = Path.of(System.getProperty("java.io.tmpdir"), "opencdi-postgres-" + uid);
    if (!Files.isDirectory(base)) {
      try {
        Files.createDirectory(base);
      } catch (FileAlreadyExistsException raced) {
        // another gateway made it first
      }
    }
    int owner =
        (Integer) Files.getAttribute(base, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (owner != uid || !Files.isDirectory(base, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(base + " belongs to another user; remove it");
    }
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path target = base.resolve(sha256(archive));
    if (Files.isExecutable(target.resolve("bin").resolve("postgres"))) {
      return new PostgresBinaries(target);
    }
    Path tmp = Files.createTempDirectory(base, "unpack-");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      unpack(archive, tmp);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
      deleteTree(tmp);
    }
    return new PostgresBinaries(target);
  }

  private static void unpack(byte[] archive, Path into) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = into.resolve(entry.getName()).normalize();
        if (!path.startsWith(into)) {
          throw new IOException("archive entry outside its directory: " + entry.getName());
        }
        Files.createDirectories(path.getParent());
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, into.resolve(entry.getLinkName()));
        } else {
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          // Explicit modes: the launcher's umask (077) would hide the programs from their user.
          boolean exec = (entry.getMode() & 0100) != 0;
          Set<PosixFilePermission> perms =
              PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--");
          Files.setPosixFilePermissions(path, perms);
        }
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
          .substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
