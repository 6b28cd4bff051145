package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.PrintJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent announces of a desktop's prints folder, which the desktop's user can fill with
 * anything: whole PDFs that are new since the last look, each once, and nothing else.
 */
class PrintWatchTest {
  @TempDir Path prints;

  private static final String RUN = "run-1";

  private final PrintWatch watch = new PrintWatch("local", PrintRetention.DEFAULTS);

  @Test
  void aNewPdfIsAnnouncedOnceWithItsSize() throws Exception {
    Files.writeString(prints.resolve("old-job.pdf"), "%PDF-old");
    assertThat(watch.look("d1", RUN, Set.of("old-job.pdf"), prints, 1))
        .as("what the folder held when the desktop started is no news")
        .isEmpty();

    Files.writeString(prints.resolve("2026-12-07T10-00-00Z-job-3-report.pdf"), "%PDF-1.7 new");
    assertThat(watch.look("d1", RUN, Set.of(), prints, 2))
        .containsExactly(
            new PrintJob("d1", "local", "2026-12-07T10-00-00Z-job-3-report.pdf", 12, 2));
    assertThat(watch.look("d1", RUN, Set.of(), prints, 3)).isEmpty();
  }

  @Test
  void whatIsNoWholePdfIsNotAnnounced() throws Exception {
    watch.look("d1", RUN, Set.of(), prints, 1);
    Files.writeString(prints.resolve(".job-4.partial.pdf"), "%PDF-");
    Files.writeString(prints.resolve("notes.txt"), "text");
    Files.writeString(prints.resolve("line\nbreak.pdf"), "%PDF-");
    Files.createDirectory(prints.resolve("folder.pdf"));
    Files.createSymbolicLink(prints.resolve("passwd.pdf"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(prints.resolve("nowhere.pdf"), prints.resolve("missing"));

    assertThat(watch.look("d1", RUN, Set.of(), prints, 2)).isEmpty();
  }

  @Test
  void aFloodIsAnnouncedAFewAtATimeAndDelaysOnlyItsOwnDesktop() throws Exception {
    Path other = Files.createDirectory(prints.resolve("../other-" + prints.getFileName()));
    watch.look("flood", RUN, Set.of(), prints, 1);
    watch.look("quiet", RUN, Set.of(), other, 1);
    for (int i = 0; i < 25; i++) {
      Files.writeString(prints.resolve("job-" + i + ".pdf"), "%PDF-");
    }
    Files.writeString(other.resolve("one.pdf"), "%PDF-");

    assertThat(watch.look("flood", RUN, Set.of(), prints, 2)).hasSize(PrintWatch.MAX_REPORTS);
    assertThat(watch.look("quiet", RUN, Set.of(), other, 2))
        .extracting(PrintJob::name)
        .containsExactly("one.pdf");
    assertThat(watch.look("flood", RUN, Set.of(), prints, 3)).hasSize(PrintWatch.MAX_REPORTS);
    List<PrintJob> rest = watch.look("flood", RUN, Set.of(), prints, 4);
    assertThat(rest).hasSize(5);
    assertThat(watch.look("flood", RUN, Set.of(), prints, 5)).isEmpty();
  }

  @Test
  void aLookThatFindsNewPdfsKeepsOnlyTheNewestAndAnnouncesNoneItRemoved() throws Exception {
    PrintWatch bounded = new PrintWatch("local", new PrintRetention(2, 1L << 20));
    bounded.look("d1", RUN, Set.of(), prints, 1);
    for (int i = 1; i <= 4; i++) {
      Path pdf = Files.writeString(prints.resolve("job-" + i + ".pdf"), "%PDF-");
      Files.setLastModifiedTime(pdf, FileTime.fromMillis(1_800_000_000_000L + i));
    }
    Files.writeString(prints.resolve(".partial-job-5.pdf"), "%PDF-");

    assertThat(bounded.look("d1", RUN, Set.of(), prints, 2))
        .extracting(PrintJob::name)
        .containsExactlyInAnyOrder("job-3.pdf", "job-4.pdf");
    try (Stream<Path> left = Files.list(prints)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("job-3.pdf", "job-4.pdf", ".partial-job-5.pdf");
    }
    assertThat(bounded.look("d1", RUN, Set.of(), prints, 3)).isEmpty();
  }

  @Test
  void aPdfPrintedBeforeTheFirstLookOfARunIsAnnounced() throws Exception {
    Files.writeString(prints.resolve("earlier-run.pdf"), "%PDF-");
    Files.writeString(prints.resolve("printed-at-once.pdf"), "%PDF-1.7");

    assertThat(watch.look("d1", RUN, Set.of("earlier-run.pdf"), prints, 1))
        .extracting(PrintJob::name)
        .containsExactly("printed-at-once.pdf");
    assertThat(watch.look("d1", RUN, Set.of("earlier-run.pdf"), prints, 2)).isEmpty();
  }

  @Test
  void aDesktopThatStartsAgainKnowsWhatItsFolderHeldAtItsStart() throws Exception {
    watch.look("d1", RUN, Set.of(), prints, 1);
    Files.writeString(prints.resolve("printed-while-off.pdf"), "%PDF-");
    Files.writeString(prints.resolve("restored.pdf"), "%PDF-");
    Set<String> atSecondStart = Set.of("printed-while-off.pdf", "restored.pdf");

    // Started again before a look saw it stopped: the run tells, not the desktop's id.
    assertThat(watch.look("d1", "run-2", atSecondStart, prints, 2)).isEmpty();
    watch.retain(Set.of());
    assertThat(watch.look("d1", "run-3", atSecondStart, prints, 3)).isEmpty();
    Files.writeString(prints.resolve("new.pdf"), "%PDF-");
    assertThat(watch.look("d1", "run-3", atSecondStart, prints, 4))
        .extracting(PrintJob::name)
        .containsExactly("new.pdf");
  }

  @Test
  void aFolderNotThereYetIsNothingNew() {
    assertThat(watch.look("d1", RUN, Set.of(), prints.resolve("missing"), 1)).isEmpty();
  }
}
