package io.opencdi.loadtest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads another JVM's heap use with {@code jcmd <pid> GC.heap_info}. */
final class HeapProbe {
  private static final Pattern USED = Pattern.compile("heap\\s+total[^,]*,[^,]*, used (\\d+)K");

  private HeapProbe() {}

  /** Heap in use after a full collection (the live set) in MiB, or -1 when jcmd cannot tell. */
  static long usedMiB(long pid) {
    long kib = usedKiB(pid);
    return kib < 0 ? -1 : kib / 1024;
  }

  /** Heap in use after a full collection in KiB, or -1 when jcmd cannot tell. */
  static long usedKiB(long pid) {
    jcmd(pid, "GC.run");
    Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static String jcmd(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
