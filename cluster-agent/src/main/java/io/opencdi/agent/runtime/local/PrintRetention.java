package io.opencdi.agent.runtime.local;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * How many PDFs a desktop's prints folder keeps (ADR 0043): at most the newest {@code maxPrints},
 * together at most {@code maxBytes}. The printer writes a PDF per job and nothing else ever removes
 * one, so without a bound a desktop that prints in a loop fills the agent's disk; a user who needs
 * an old print downloads it.
 *
 * @param maxPrints most PDFs kept
 * @param maxBytes most bytes the kept PDFs hold together
 */
public record PrintRetention(int maxPrints, long maxBytes) {
  /** The defaults of {@link LocalConfig.Hygiene}: 100 PDFs, 256 MiB. */
  public static final PrintRetention DEFAULTS = new PrintRetention(100, 256L << 20);

  /** Oldest first: by last modification, then by name (the printer's names start with the time). */
  private static final Comparator<Print> OLDEST_FIRST =
      Comparator.comparingLong(Print::modifiedMillis).thenComparing(Print::name);

  public PrintRetention {
    if (maxPrints < 1 || maxBytes < 1L << 20) {
      // A slip such as "256" for MiB would otherwise remove every print as soon as it appears.
      throw new IllegalArgumentException(
          "opencdi.agent.local.hygiene: prints-max-count must be at least 1 and prints-max-bytes"
              + " at least 1048576, were "
              + maxPrints
              + " and "
              + maxBytes);
    }
  }

  /** One whole PDF of the folder, as its directory entry tells. */
  record Print(String name, long sizeBytes, long modifiedMillis) {}

  /**
   * The names of the {@code prints} to remove, oldest first: all but the longest run of the newest
   * that fits both bounds. Once a PDF does not fit, it and every older one go, so a newer print is
   * never removed while an older one stays (a PDF larger than {@code maxBytes} alone goes too).
   */
  List<String> toRemove(Collection<Print> prints) {
    List<Print> newestFirst = new ArrayList<>(prints);
    newestFirst.sort(OLDEST_FIRST.reversed());
    int kept = 0;
    long bytes = 0;
    for (Print print : newestFirst) {
      if (kept == maxPrints || print.sizeBytes() > maxBytes - bytes) {
        break;
      }
      kept++;
      bytes += print.sizeBytes();
    }
    return newestFirst.subList(kept, newestFirst.size()).reversed().stream()
        .map(Print::name)
        .toList();
  }
}
