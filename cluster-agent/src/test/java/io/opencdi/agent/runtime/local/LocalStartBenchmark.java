package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the local runtime on this machine; not part of the test suite (the name does not end in
 * Test). Run it explicitly:
 *
 * <pre>
 * ./mvnw -B -pl cluster-agent test -Dtest=LocalStartBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dopencdi.bench.runs=10
 * </pre>
 *
 * For each runtime class (runc, and gvisor when runsc is usable) it starts and stops one desktop
 * {@code runs} times and prints percentiles of: start() to RUNNING (the RFB banner), connecting to
 * the first FramebufferUpdate of a full-screen request, and stop() to STOPPED.
 */
class LocalStartBenchmark {
  @TempDir Path tmp;

  @Test
  void measure() throws Exception {
    int runs = Integer.getInteger("opencdi.bench.runs", 10);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    LocalSettings settings =
        new LocalSettings(
            "local",
            "local",
            "local-a",
            LocalSettings.hostNodeName(),
            LocalSettings.hostArch(),
            64_000,
            LocalSettings.hostMemoryMiB(),
            8,
            List.of("local-home"),
            tmp.resolve("data"),
            LocalSettings.resolveEntrypoint(null, Path.of("")),
            "runsc",
            LocalRuntimeTest.TEST_UID_BASE,
            100,
            2048,
            "1280x800",
            "openbox",
            60,
            Duration.ofSeconds(60),
            Duration.ofSeconds(5),
            LocalSettings.Hygiene.DEFAULTS);
    Map<String, CountDownLatch> waits = new ConcurrentHashMap<>();
    try (LocalRuntime runtime = new LocalRuntime(settings)) {
      runtime.addListener(
          new RuntimeListener() {
            @Override
            public void statusChanged(DesktopStatus s) {
              CountDownLatch latch = waits.get(s.desktopId() + "/" + s.state());
              if (latch != null) {
                latch.countDown();
              }
            }
          });
      List<String> classes = new ArrayList<>(List.of("runc"));
      if (runtime.clusters().get(0).runtimeClasses().contains("gvisor")) {
        classes.add("gvisor");
      }
      StringBuilder report = new StringBuilder();
      report.append(
          String.format(
              Locale.ROOT,
              "local runtime, %d runs per class, %d CPUs, load average %s%n",
              runs,
              Runtime.getRuntime().availableProcessors(),
              Files.readString(Path.of("/proc/loadavg")).trim()));
      for (String runtimeClass : classes) {
        List<Long> toRunning = new ArrayList<>();
        List<Long> toFrame = new ArrayList<>();
        List<Long> toStopped = new ArrayList<>();
        String id = "bench-" + runtimeClass;
        DesktopSpec spec =
            new DesktopSpec(
                id,
                id,
                "bench",
                "local",
                settings.nodeName(),
                "opencdi/desktop-openbox:0.1",
                1000,
                1024,
                runtimeClass,
                "local-home",
                1,
                Power.ON);
        for (int i = 0; i < runs; i++) {
          CountDownLatch running = latch(waits, id, DesktopState.RUNNING);
          long t0 = System.nanoTime();
          assertThat(runtime.start(spec).accepted()).isTrue();
          assertThat(running.await(90, TimeUnit.SECONDS)).as("RUNNING").isTrue();
          toRunning.add(System.nanoTime() - t0);
          DisplayEndpoint ep = runtime.display("local", id).orElseThrow();
          long t1 = System.nanoTime();
          try (RfbClient rfb = new RfbClient(ep.host(), ep.port())) {
            rfb.requestFullUpdate();
          }
          toFrame.add(System.nanoTime() - t1);
          CountDownLatch stopped = latch(waits, id, DesktopState.STOPPED);
          long t2 = System.nanoTime();
          runtime.stop(spec);
          assertThat(stopped.await(60, TimeUnit.SECONDS)).as("STOPPED").isTrue();
          toStopped.add(System.nanoTime() - t2);
        }
        CountDownLatch deleted = latch(waits, id, DesktopState.DELETED);
        runtime.delete("local", id);
        deleted.await(60, TimeUnit.SECONDS);
        report.append(line(runtimeClass, "start() -> RUNNING (RFB banner)", toRunning));
        report.append(line(runtimeClass, "RFB connect -> first FramebufferUpdate", toFrame));
        report.append(line(runtimeClass, "stop() -> STOPPED (processes gone)", toStopped));
      }
      System.out.println(report);
    }
  }

  private static CountDownLatch latch(
      Map<String, CountDownLatch> waits, String id, DesktopState state) {
    CountDownLatch latch = new CountDownLatch(1);
    waits.put(id + "/" + state, latch);
    return latch;
  }

  private static String line(String runtimeClass, String what, List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return String.format(
        Locale.ROOT,
        "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f |%n",
        runtimeClass,
        what,
        sorted.size(),
        ms(sorted.get(0)),
        ms(percentile(sorted, 50)),
        ms(percentile(sorted, 90)),
        ms(sorted.get(sorted.size() - 1)));
  }

  private static long percentile(List<Long> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
