package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.FileEntry;
import io.opencdi.agent.runtime.FileTransferException;
import io.opencdi.protocol.FileCloseCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of a local desktop's home, read and written as the desktop's user: a home owned by a
 * fresh user id of the tests' range, as the local runtime makes it, and files the agent (root)
 * placed there to tempt it. Needs root, as CI runs.
 */
class LocalDesktopFilesTest {
  private static final int UID = LocalRuntimeTest.TEST_UID_BASE + 97;

  @TempDir Path tmp;

  private Path home;
  private Path hidden;
  private LocalDesktopFiles files;

  @BeforeEach
  void home() throws IOException {
    assumeTrue(HostCommands.uid() == 0, "a desktop has a user of its own only under root");
    // As <data>/desktops/<id>/home: the path to it is root's, the home is the user's alone.
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    home = Files.createDirectories(data.resolve("desktops").resolve("d-1").resolve("home"));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    own(home);
    // Host files the desktop cannot see: one root-only, one world-readable in a root-only dir.
    hidden = Files.createDirectories(data.resolve("host"));
    Files.writeString(hidden.resolve("shadow"), "root only");
    Files.setPosixFilePermissions(
        hidden.resolve("shadow"), PosixFilePermissions.fromString("rw-------"));
    Files.writeString(hidden.resolve("world.txt"), "world-readable, behind a closed door");
    Files.setPosixFilePermissions(
        hidden.resolve("world.txt"), PosixFilePermissions.fromString("rw-r--r--"));
    files = new LocalDesktopFiles(home, UID, LocalDesktopFiles.STALL);
  }

  @AfterEach
  void noHelperLeft() {
    if (HostCommands.uid() == 0) {
      HostCommands.killUser(UID);
    }
  }

  @Test
  void anUploadIsDownloadedByteForByteAndBelongsToTheUser() throws Exception {
    byte[] big = new byte[1024 * 1024 + 17];
    new Random(42).nextBytes(big);
    assertThat(upload("big.bin", big)).isEqualTo(big.length);
    byte[] umlauts = "grüße\n".getBytes(StandardCharsets.UTF_8);
    assertThat(upload("Bericht über Q3 (final).txt", umlauts)).isEqualTo(umlauts.length);
    assertThat(upload("empty", new byte[0])).isZero();

    assertThat(download("big.bin", big.length)).isEqualTo(big);
    assertThat(download("Bericht über Q3 (final).txt", 100)).isEqualTo(umlauts);
    assertThat(download("empty", 0)).isEmpty();
    Path stored = home.resolve("big.bin");
    assertThat(Files.getAttribute(stored, "unix:uid")).isEqualTo(UID);
    assertThat(Files.getAttribute(stored, "unix:gid")).isEqualTo(UID);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)))
        .isEqualTo("rw-r--r--");
    assertThat(entries())
        .containsExactlyInAnyOrder("big.bin", "Bericht über Q3 (final).txt", "empty");
  }

  @Test
  void anUploadNeverReplacesAFileNorADanglingLink() throws Exception {
    userFile("notes.txt", "original");
    Files.createSymbolicLink(home.resolve("dangling"), Path.of("nowhere"));

    assertCode(() -> files.create("notes.txt"), FileCloseCodes.EXISTS);
    assertCode(() -> files.create("dangling"), FileCloseCodes.EXISTS);
    assertThat(home.resolve("notes.txt")).hasContent("original");
    assertThat(Files.readSymbolicLink(home.resolve("dangling"))).isEqualTo(Path.of("nowhere"));

    // A name taken between the start and the end of an upload is kept, and the upload dropped.
    DesktopFiles.Upload upload = files.create("race.txt");
    upload.stream().write("mine".getBytes(StandardCharsets.UTF_8));
    userFile("race.txt", "theirs");
    assertCode(() -> upload.commit(4), FileCloseCodes.EXISTS);
    assertThat(home.resolve("race.txt")).hasContent("theirs");
    assertThat(entries()).containsExactlyInAnyOrder("notes.txt", "dangling", "race.txt");
  }

  @Test
  void aLinkOutOfTheHomeIsNotFollowed() throws Exception {
    Files.createSymbolicLink(home.resolve("shadow"), hidden.resolve("shadow"));
    Files.createSymbolicLink(home.resolve("world.txt"), hidden.resolve("world.txt"));
    Files.createSymbolicLink(home.resolve("hostname"), Path.of("/etc/hostname"));
    userFile("target.txt", "in the home");
    Files.createSymbolicLink(home.resolve("inside"), Path.of("target.txt"));

    for (String name : List.of("shadow", "world.txt", "hostname", "inside")) {
      assertCode(() -> files.open(name, 1 << 20), FileCloseCodes.NOT_FOUND);
    }
    assertThat(files.list()).extracting(FileEntry::name).containsExactly("target.txt");
  }

  @Test
  void aFileTheUserMayNotReadIsNotFound() throws Exception {
    // Placed by root in the user's home: the kernel, asked as the user, says no.
    Files.writeString(home.resolve("root.txt"), "root's");
    Files.setPosixFilePermissions(
        home.resolve("root.txt"), PosixFilePermissions.fromString("rw-------"));

    assertCode(() -> files.open("root.txt", 100), FileCloseCodes.NOT_FOUND);
    assertCode(() -> files.open("missing.txt", 100), FileCloseCodes.NOT_FOUND);
  }

  @Test
  void aFifoOrADirectoryIsRefusedWithoutWaiting() throws Exception {
    assertThat(HostCommands.run(5_000, "mkfifo", home.resolve("pipe").toString()).ok()).isTrue();
    own(home.resolve("pipe"));
    Files.createDirectory(home.resolve("dir"));
    own(home.resolve("dir"));

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          assertCode(() -> files.open("pipe", 100), FileCloseCodes.NOT_FOUND);
          assertCode(() -> files.open("dir", 100), FileCloseCodes.NOT_FOUND);
        });
  }

  @Test
  void aFailedUploadLeavesNothingBehind() throws Exception {
    DesktopFiles.Upload aborted = files.create("aborted.bin");
    aborted.stream().write(new byte[100_000]);
    aborted.abort();
    aborted.abort(); // idempotent

    DesktopFiles.Upload over = files.create("over.bin");
    over.stream().write(new byte[1000]);
    assertCode(() -> over.commit(999), FileCloseCodes.PROTOCOL_ERROR);

    DesktopFiles.Upload under = files.create("under.bin");
    under.stream().write(new byte[1000]);
    assertCode(() -> under.commit(1001), FileCloseCodes.PROTOCOL_ERROR);

    assertThat(entries()).isEmpty(); // no temporary file either
  }

  @Test
  void aDownloadLargerThanTheLimitIsRefused() throws Exception {
    userFile("big.txt", "x".repeat(1000));
    assertCode(() -> files.open("big.txt", 999), FileCloseCodes.TOO_LARGE);
    assertThat(download("big.txt", 1000)).hasSize(1000);
  }

  @Test
  void invalidNamesAreRefused() {
    for (String name : List.of("", ".bashrc", "../etc/passwd", "a/b", "..", "x\0y")) {
      assertCode(() -> files.open(name, 100), FileCloseCodes.INVALID_NAME);
      assertCode(() -> files.create(name), FileCloseCodes.INVALID_NAME);
    }
  }

  @Test
  void theListingShowsVisibleRegularFilesOnlySortedWithSizeAndTime() throws Exception {
    userFile("b.txt", "bb");
    userFile("a.txt", "a");
    Files.setLastModifiedTime(
        home.resolve("a.txt"), FileTime.from(Instant.parse("2026-12-07T10:00:00.75Z")));
    userFile(".bashrc", "hidden");
    Files.createDirectory(home.resolve("Documents"));
    own(home.resolve("Documents"));
    Files.createSymbolicLink(home.resolve("link.txt"), Path.of("a.txt"));
    HostCommands.run(5_000, "mkfifo", home.resolve("pipe").toString());
    // A name no transfer may use (leading space) is left out too.
    userFile(" spaced", "s");

    assertThat(files.list())
        .containsExactly(
            new FileEntry("a.txt", 1, Instant.parse("2026-12-07T10:00:00Z")),
            new FileEntry(
                "b.txt",
                2,
                Files.getLastModifiedTime(home.resolve("b.txt"))
                    .toInstant()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
  }

  @Test
  void aDownloadThatStallsIsEnded() throws Exception {
    byte[] big = new byte[4 * 1024 * 1024];
    userFile("big.bin", big);
    LocalDesktopFiles impatient = new LocalDesktopFiles(home, UID, Duration.ofMillis(500));
    try (DesktopFiles.Download download = impatient.open("big.bin", big.length)) {
      assertThat(download.size()).isEqualTo(big.length);
      Thread.sleep(2_000); // nothing is read: the helper makes no progress
      assertThatThrownBy(() -> download.stream().readAllBytes())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("stalled");
    }
  }

  // --- helpers

  private long upload(String name, byte[] bytes) throws Exception {
    try (DesktopFiles.Upload upload = files.create(name)) {
      OutputStream out = upload.stream();
      for (int off = 0; off < bytes.length; off += 65536) {
        out.write(bytes, off, Math.min(65536, bytes.length - off));
      }
      return upload.commit(bytes.length);
    }
  }

  private byte[] download(String name, long max) throws Exception {
    try (DesktopFiles.Download download = files.open(name, max)) {
      InputStream in = download.stream();
      byte[] bytes = in.readAllBytes();
      assertThat(bytes).hasSize((int) download.size());
      return bytes;
    }
  }

  /** Everything in the home, hidden or not, as root sees it. */
  private List<String> entries() throws IOException {
    try (Stream<Path> all = Files.list(home)) {
      return all.map(p -> p.getFileName().toString()).toList();
    }
  }

  private void userFile(String name, String content) throws IOException {
    userFile(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private void userFile(String name, byte[] content) throws IOException {
    Files.write(home.resolve(name), content);
    own(home.resolve(name));
  }

  private static void own(Path path) throws IOException {
    Files.setAttribute(path, "unix:uid", UID, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", UID, LinkOption.NOFOLLOW_LINKS);
  }

  private interface FileCall {
    Object call() throws Exception;
  }

  private static void assertCode(FileCall call, int code) {
    assertThatThrownBy(call::call)
        .isInstanceOfSatisfying(
            FileTransferException.class,
            e -> {
              assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
              assertThat(e.getMessage()).doesNotContain("/tmp", "/data", "desktops");
            });
  }
}
