package io.opencdi.placement.framework;

import java.util.Collection;
import java.util.TreeSet;

/** Formats quantities the same way in every plugin's reasons, so explanations read as one text. */
public final class Reasons {

  private Reasons() {}

  /** {@code 2000} → {@code "2000m"}, the Kubernetes notation administrators already read. */
  public static String cpu(long millis) {
    return millis + "m";
  }

  public static String memory(long mebibytes) {
    return mebibytes + " MiB";
  }

  /** Sorted and comma-separated, {@code "none"} when empty; sorted so reasons are reproducible. */
  public static String list(Collection<String> values) {
    return values.isEmpty() ? "none" : String.join(", ", new TreeSet<>(values));
  }
}
