package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.PrintJob;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Finds the PDFs the virtual printers of running local desktops finish (ADR 0043), so the gateway
 * can tell the user's portal without being asked. Each look lists a desktop's prints folder (names
 * and sizes only, never following a link) and reports the names it did not hold before; the first
 * look at a desktop only learns what is there, since those were announced in an earlier run or
 * never will be. The printer writes a job under a hidden name and renames it when done, so a
 * visible name is a whole PDF.
 *
 * <p>Polled, not watched with inotify: a few directory reads a second cost less than keeping a
 * watch per desktop in step with its power, and a second's delay means nothing for a print. The
 * folder is the desktop user's to fill, so a look reads at most {@link #MAX_ENTRIES} entries and
 * reports at most {@link #MAX_REPORTS} new ones (the rest come at the next looks): a desktop that
 * floods its folder delays only its own news.
 *
 * <p>A look that finds a PDF it did not know (and the first look at a desktop) also prunes the
 * folder to its {@link PrintRetention}, before reporting, so a PDF removed at once is never
 * announced. Only then: pruning reads the size and age of every PDF, while a look that finds
 * nothing new reads names only, and the folder gains PDFs only by new names.
 */
final class PrintWatch {
  private static final Logger LOG = Logger.getLogger(PrintWatch.class);

  /** Most entries read from one prints folder per look. */
  static final int MAX_ENTRIES = 2_000;

  /** Most new PDFs of one desktop reported per look. */
  static final int MAX_REPORTS = 10;

  private final String cluster;
  private final PrintRetention retention;
  // Desktop id → the names of its prints folder already known in its current run.
  private final Map<String, Seen> known = new HashMap<>();

  /** What is known of a desktop's folder in one run of it. */
  private record Seen(String run, Set<String> names) {}

  PrintWatch(String cluster, PrintRetention retention) {
    this.cluster = cluster;
    this.retention = retention;
  }

  /**
   * The PDFs new in {@code dir}, the prints folder of {@code desktopId}, since the last look in its
   * run {@code run}; at the first look of a run, those it did not hold at the run's start ({@code
   * atStart}).
   */
  List<PrintJob> look(String desktopId, String run, Set<String> atStart, Path dir, long nowMillis) {
    Seen seen = known.get(desktopId);
    boolean firstLook = seen == null || !seen.run().equals(run);
    Set<String> before = firstLook ? atStart : seen.names();
    Set<String> now = new HashSet<>();
    List<PrintJob> jobs = new ArrayList<>();
    boolean fresh = firstLook;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      int read = 0;
      for (Path entry : entries) {
        if (++read > MAX_ENTRIES) {
          break;
        }
        String name = entry.getFileName().toString();
        if (!DesktopPrints.isPrint(name)) {
          continue;
        }
        if (!before.contains(name)) {
          fresh = true;
          if (jobs.size() >= MAX_REPORTS) {
            continue; // not known yet: reported at a later look
          }
          BasicFileAttributes attributes = attributesOf(entry);
          if (attributes == null) {
            continue; // gone meanwhile
          }
          if (attributes.isRegularFile()) {
            jobs.add(new PrintJob(desktopId, cluster, name, attributes.size(), nowMillis));
          }
        }
        now.add(name);
      }
      if (fresh) {
        Set<String> removed = prune(desktopId, dir);
        now.removeAll(removed);
        jobs.removeIf(job -> removed.contains(job.name()));
      }
    } catch (IOException e) {
      // No folder yet (the desktop is starting), or one going away: nothing new this time.
      return List.of();
    }
    known.put(desktopId, new Seen(run, now));
    return jobs;
  }

  private Set<String> prune(String desktopId, Path dir) {
    try {
      return Set.copyOf(DesktopPrints.prune(dir, retention));
    } catch (IOException e) {
      // Announcing does not wait on pruning; the next new PDF tries again.
      LOG.warnf(e, "desktop %s: could not prune its prints folder", desktopId);
      return Set.of();
    }
  }

  private static BasicFileAttributes attributesOf(Path entry) {
    try {
      return Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }

  /** Forgets the desktops not in {@code running}. */
  void retain(Collection<String> running) {
    known.keySet().retainAll(Set.copyOf(running));
  }
}
