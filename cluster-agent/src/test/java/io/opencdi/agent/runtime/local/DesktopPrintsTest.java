package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A desktop's prints folder keeps only its newest PDFs, and the agent, which may be root, removes
 * nothing else there and nothing outside it, whatever the desktop's user put in the folder.
 */
class DesktopPrintsTest {
  private static final long MIB = 1L << 20;

  @TempDir Path tmp;

  private final PrintRetention threeOrOneMib = new PrintRetention(3, MIB);

  @Test
  void theOldestPdfsGoAndWhatIsNoWholePdfStays() throws Exception {
    Path desktop = Files.createDirectory(tmp.resolve("d1"));
    Path prints = DesktopPrints.create(desktop, -1, threeOrOneMib);
    for (int i = 1; i <= 6; i++) {
      pdf(prints, "2026-12-07T10-00-0" + i + "Z-job-" + i + ".pdf", 10, i);
    }
    // The job being written: hidden, oldest of all and over the byte bound.
    pdf(prints, ".partial-job-7.pdf", 2 * MIB, 0);
    Path outside = Files.writeString(tmp.resolve("outside.pdf"), "%PDF- the agent's own");
    Files.setLastModifiedTime(outside, FileTime.fromMillis(0));
    Files.createSymbolicLink(prints.resolve("a-link.pdf"), outside);
    Files.createSymbolicLink(prints.resolve("dir-link.pdf"), tmp);
    Files.createDirectory(prints.resolve("folder.pdf"));
    Files.writeString(prints.resolve("notes.txt"), "notes");

    assertThat(DesktopPrints.prune(prints, threeOrOneMib))
        .containsExactly(
            "2026-12-07T10-00-01Z-job-1.pdf",
            "2026-12-07T10-00-02Z-job-2.pdf",
            "2026-12-07T10-00-03Z-job-3.pdf");

    assertThat(names(prints))
        .containsExactly(
            ".partial-job-7.pdf",
            "2026-12-07T10-00-04Z-job-4.pdf",
            "2026-12-07T10-00-05Z-job-5.pdf",
            "2026-12-07T10-00-06Z-job-6.pdf",
            "a-link.pdf",
            "dir-link.pdf",
            "folder.pdf",
            "notes.txt");
    assertThat(Files.readString(outside)).isEqualTo("%PDF- the agent's own");
    assertThat(names(tmp)).containsExactly("d1", "outside.pdf");
    assertThat(DesktopPrints.prune(prints, threeOrOneMib)).isEmpty();
  }

  @Test
  void theBytesBoundRemovesTheOldestUntilTheRestFits() throws Exception {
    Path prints = DesktopPrints.create(Files.createDirectory(tmp.resolve("d1")), -1, threeOrOneMib);
    pdf(prints, "old.pdf", MIB / 2, 1);
    pdf(prints, "middle.pdf", MIB / 2, 2);
    pdf(prints, "new.pdf", MIB / 4, 3);

    assertThat(DesktopPrints.prune(prints, threeOrOneMib)).containsExactly("old.pdf");
    assertThat(names(prints)).containsExactly("middle.pdf", "new.pdf");
  }

  @Test
  void aDesktopThatStartsKeepsOnlyTheNewestPrintsOfItsEarlierRuns() throws Exception {
    Path desktop = Files.createDirectory(tmp.resolve("d1"));
    Path prints = DesktopPrints.create(desktop, -1, threeOrOneMib);
    for (int i = 1; i <= 5; i++) {
      pdf(prints, "job-" + i + ".pdf", 10, i);
    }

    DesktopPrints.create(desktop, -1, threeOrOneMib);

    assertThat(names(prints)).containsExactly("job-3.pdf", "job-4.pdf", "job-5.pdf");
  }

  @Test
  void aPrintsFolderThatIsALinkIsNeverPrunedThrough() throws Exception {
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    for (int i = 1; i <= 5; i++) {
      pdf(elsewhere, "job-" + i + ".pdf", 10, i);
    }
    Path desktop = Files.createDirectory(tmp.resolve("d1"));
    Path link = Files.createSymbolicLink(DesktopPrints.dir(desktop), elsewhere);

    assertThatThrownBy(() -> DesktopPrints.prune(link, threeOrOneMib))
        .isInstanceOf(IOException.class);
    assertThat(names(elsewhere)).hasSize(5);

    // Starting the desktop replaces the link with a folder of its own.
    Path prints = DesktopPrints.create(desktop, -1, threeOrOneMib);
    assertThat(Files.isSymbolicLink(prints)).isFalse();
    assertThat(names(prints)).isEmpty();
    assertThat(names(elsewhere)).hasSize(5);
  }

  private static void pdf(Path dir, String name, long size, long modifiedSeconds)
      throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, new byte[(int) size]);
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_800_000_000_000L + modifiedSeconds));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
