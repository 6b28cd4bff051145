package io.opencdi.loadtest;

import io.opencdi.loadtest.check.ConsistencyCheck;
import io.opencdi.loadtest.check.Ledger;
import io.opencdi.loadtest.harness.Harness;
import io.opencdi.loadtest.harness.JavaProcess;
import io.opencdi.loadtest.harness.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One load run: the started system, what its clients were told, and the check at the end. A
 * simulation starts it in its constructor, runs {@link #check} as its last step (recorded as a
 * Gatling response, so a failed check fails the run like a failed assertion and still leaves the
 * report) and {@link #close}s it in Gatling's {@code after} hook.
 */
public final class LoadRun {
  private final String name;
  private final Harness harness;
  private final Ledger ledger = new Ledger();
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, Object> figures = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();
  private volatile long firstRequestNanos;

  private LoadRun(String name, Harness harness) {
    this.name = name;
    this.harness = harness;
  }

  /**
   * Starts the system for simulation {@code name}.
   *
   * @param quotaPerUser how many desktops each load user may own, given the run's settings
   */
  public static LoadRun start(
      String name, Settings defaults, java.util.function.ToIntFunction<Settings> quotaPerUser) {
    return start(name, defaults, quotaPerUser, settings -> Map.of());
  }

  /**
   * Starts the system for simulation {@code name} with extra agent configuration derived from the
   * run's settings.
   */
  public static LoadRun start(
      String name,
      Settings defaults,
      java.util.function.ToIntFunction<Settings> quotaPerUser,
      java.util.function.Function<Settings, Map<String, String>> agentConfig) {
    Settings settings = Settings.fromSystemProperties(defaults, name);
    return new LoadRun(
        name,
        Harness.start(settings, quotaPerUser.applyAsInt(settings), agentConfig.apply(settings)));
  }

  /**
   * Records each gateway's live heap (MiB after a full GC) as a figure named after {@code when}.
   */
  public void recordHeap(String when) {
    for (JavaProcess g : harness.gateways()) {
      figure(
          g.name() + " live heap " + when + " (MiB, after a full GC)", HeapProbe.usedMiB(g.pid()));
    }
  }

  /**
   * The agents' live heap in KiB, summed over their processes (after a full GC; -1 when jcmd cannot
   * tell for one of them).
   */
  public long agentLiveHeapKiB() {
    long sum = 0;
    for (JavaProcess agent : harness.agents()) {
      long kib = HeapProbe.usedKiB(agent.pid());
      if (kib < 0) {
        return -1;
      }
      sum += kib;
    }
    return sum;
  }

  /**
   * CPU time the gateways and the agent use over {@code window}, in % of one core, by process name
   * (from /proc/PID/stat; -1 where it cannot be read).
   */
  public Map<String, Double> cpuPercent(Duration window) {
    List<JavaProcess> all = new ArrayList<>(harness.gateways());
    all.addAll(harness.agents());
    Map<String, Long> before = new LinkedHashMap<>();
    all.forEach(p -> before.put(p.name(), CpuTicks.of(p.pid())));
    long start = System.nanoTime();
    try {
      Thread.sleep(window.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Double> out = new LinkedHashMap<>();
    for (JavaProcess p : all) {
      long a = before.get(p.name());
      long b = CpuTicks.of(p.pid());
      out.put(p.name(), a < 0 || b < 0 ? -1 : (b - a) / CpuTicks.PER_SECOND / seconds * 100);
    }
    return out;
  }

  /** Each gateway's live heap in KiB (after a full GC; -1 when jcmd cannot tell), in order. */
  public List<Long> liveHeapKiB() {
    return harness.gateways().stream().map(g -> HeapProbe.usedKiB(g.pid())).toList();
  }

  public Harness harness() {
    return harness;
  }

  public Settings settings() {
    return harness.settings();
  }

  public Ledger ledger() {
    return ledger;
  }

  /** A number unique within the run, e.g. for request ids and round-robin choices. */
  public long next() {
    long n = sequence.getAndIncrement();
    if (n == 0) {
      firstRequestNanos = System.nanoTime();
    }
    return n;
  }

  /** The gateway for the {@code n}-th request: round-robin over all gateways. */
  public String baseUrl(long n) {
    List<String> urls = harness.baseUrls();
    return urls.get((int) (n % urls.size()));
  }

  /** Records a figure for the run's summary. */
  public void figure(String key, Object value) {
    figures.put(key, value);
  }

  /** Records a failed expectation; {@link #finish} then fails the run. */
  public void fail(String message) {
    failures.add(message);
  }

  /**
   * Lets the desktops settle, runs the consistency check, records the gateways' heap use and writes
   * the run's summary into the run directory. Does not stop anything; see {@link #close}.
   *
   * @return the problems found (violations of the check and failed expectations); empty when the
   *     run is consistent
   */
  public java.util.List<String> check(Duration settle) {
    try {
      harness.assertAlive();
      ConsistencyCheck.Report report =
          new ConsistencyCheck(harness.dataSource()).run(ledger, settle);
      for (JavaProcess g : harness.gateways()) {
        figure(
            g.name() + " live heap after the load (MiB, after a full GC)",
            HeapProbe.usedMiB(g.pid()));
      }
      if (firstRequestNanos != 0) {
        figure(
            "first request to all desktops settled (s)",
            String.format(
                java.util.Locale.ROOT, "%.1f", (System.nanoTime() - firstRequestNanos) / 1e9));
      }
      figure("settle wait after the load (ms)", report.settleMillis());
      figure("database", harness.database());
      StringBuilder text = new StringBuilder();
      text.append("== ").append(name).append(" ==\n");
      text.append("settings: ").append(settings()).append('\n');
      figures.forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
      failures.forEach(f -> text.append("  FAILED: ").append(f).append('\n'));
      text.append(report.describe());
      System.out.println(text);
      try {
        Files.writeString(settings().runDir().resolve("summary.txt"), text.toString());
      } catch (IOException e) {
        System.out.println("cannot write the summary: " + e);
      }
      List<String> problems = new ArrayList<>(failures);
      problems.addAll(report.violations());
      return problems;
    } catch (SQLException e) {
      throw new IllegalStateException("the consistency check could not read the database", e);
    }
  }

  /** Stops everything the run started. */
  public void close() {
    harness.close();
  }
}
