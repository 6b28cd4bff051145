package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Desktops that run for months, with real processes: a user's fork bomb meets its desktop's pids
 * limit, a program flooding the desktop's log meets its cap, a session that dies comes back by
 * itself with its home, and orphans are reaped by the desktop's init. Limits need a root agent
 * (cgroups, namespaces); the tests are skipped otherwise.
 */
class LocalDesktopHygieneTest {
  private static final Duration START = Duration.ofSeconds(40);
  private static final int PIDS_MAX = 96;
  private static final long LOG_MAX = 256 * 1024;

  @TempDir Path tmp;

  private Path dataDir;
  private LocalRuntime runtime;
  private final Statuses statuses = new Statuses();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(HostCommands.uid() == 0, "desktop limits need a root agent");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    dataDir = tmp.resolve("data");
    runtime = runtime();
  }

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void aDesktopThatForksWithoutEndStopsAtItsLimitAndIsDegradedWhileItsNeighbourIsNot()
      throws Exception {
    runtime.start(spec("bomb"));
    runtime.start(spec("calm"));
    awaitState("bomb", RUNNING);
    awaitState("calm", RUNNING);
    Launch bomb = runtime.launch("bomb").orElseThrow();
    Launch calm = runtime.launch("calm").orElseThrow();
    assertThat(bomb.cgroups().usage().pidsMax()).isEqualTo(PIDS_MAX);
    // The CPU it asked for is its quota; the memory it asked for its limit.
    assertThat(bomb.cgroups().dirs())
        .anySatisfy(
            d ->
                assertThat(d.resolve("cpu.cfs_quota_us"))
                    .hasContent(Long.toString(500 * DesktopCgroups.CPU_PERIOD_MICROS / 1000)));
    assertThat(bomb.cgroups().usage().memoryMax()).isEqualTo(512L << 20);

    // The user starts processes that never end, as fast as the shell can fork.
    type(bomb, "while :; do sleep 100000 & done\n");
    await()
        .atMost(START)
        .untilAsserted(
            () ->
                assertThat(statuses.lastOf("bomb"))
                    .satisfies(
                        s -> {
                          assertThat(s.state()).isEqualTo(RUNNING);
                          assertThat(s.health()).isEqualTo(DesktopHealth.DEGRADED);
                          assertThat(s.healthReason())
                              .startsWith("processes reached the limit of " + PIDS_MAX)
                              .contains("forks refused");
                          // The kernel counts a refused fork when it refuses it, which may be a
                          // moment after the report that the limit was reached.
                          DesktopCgroups.Usage usage = bomb.cgroups().usage();
                          assertThat(usage.processes()).isLessThanOrEqualTo(PIDS_MAX);
                          assertThat(usage.forksRefused()).isPositive();
                        }));
    assertThat(HostCommands.groupMembers(bomb.pgid()).size()).isLessThanOrEqualTo(PIDS_MAX + 1);

    // Its neighbour is untouched: healthy, and its user can still start programs.
    assertThat(statuses.lastOf("calm").health()).isEqualTo(DesktopHealth.OK);
    type(calm, "echo still-forking > calm.txt\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> read(runtime.home("calm").resolve("calm.txt")).equals("still-forking\n"));
    assertThat(statuses.lastOf("calm").health()).isEqualTo(DesktopHealth.OK);

    // Powering the bomb off ends every one of its processes; a new start is healthy again.
    runtime.stop(spec("bomb"));
    awaitState("bomb", STOPPED);
    assertThat(HostCommands.groupMembers(bomb.pgid())).isEmpty();
    assertThat(statuses.lastOf("bomb").health()).isEqualTo(DesktopHealth.OK);
    assertThat(statuses.lastOf("calm").state()).isEqualTo(RUNNING);
  }

  @Test
  void aLogFloodStaysUnderItsCapAndMakesTheDesktopDegraded() throws Exception {
    // A desktop with a program that writes to its standard output without end, about 1 MiB/s.
    Path real = LocalSettings.resolveEntrypoint(null, Path.of(""));
    Path flooding = tmp.resolve("flooding-entrypoint.sh");
    Files.writeString(
        flooding,
        Files.readString(real)
            .replaceFirst(
                "\n",
                "\n( while :; do head -c 65536 /dev/zero | tr '\\\\0' x;"
                    + " echo log-flood-from-a-runaway-program; sleep 0.05; done ) &\n"));
    Files.setPosixFilePermissions(flooding, PosixFilePermissions.fromString("rwxr-xr-x"));
    runtime.close();
    runtime = runtime(flooding);
    runtime.start(spec("loud"));
    awaitState("loud", RUNNING);
    Launch loud = runtime.launch("loud").orElseThrow();
    Path log = runtime.home("loud").resolveSibling("desktop.log");
    Path rotated = runtime.home("loud").resolveSibling("desktop.log.1");

    // A program writes to the desktop's log (its terminal's standard output) without end.
    await()
        .atMost(START)
        .untilAsserted(
            () -> {
              assertThat(loud.log().written()).isGreaterThan(8 * LOG_MAX);
              assertThat(size(log) + size(rotated)).isLessThanOrEqualTo(LOG_MAX);
              assertThat(statuses.lastOf("loud").health()).isEqualTo(DesktopHealth.DEGRADED);
              assertThat(statuses.lastOf("loud").healthReason()).startsWith("log volume of ");
            });
    // Still under the cap, however long it goes on.
    for (int i = 0; i < 10; i++) {
      Thread.sleep(200);
      assertThat(size(log) + size(rotated)).isLessThanOrEqualTo(LOG_MAX);
    }
    assertThat(read(rotated)).contains("log-flood-from-a-runaway-program");
    assertThat(statuses.lastOf("loud").state()).isEqualTo(RUNNING);
  }

  @Test
  void aKilledSessionComesBackByItselfWithItsHome() throws Exception {
    runtime.start(spec("phoenix"));
    awaitState("phoenix", RUNNING);
    Files.writeString(runtime.home("phoenix").resolve("kept.txt"), "mine\n");
    Launch first = runtime.launch("phoenix").orElseThrow();
    // The namespace's first process is the init that reaps orphans.
    assertThat(first.namespaceInit().flatMap(p -> p.info().command()).orElse("")).endsWith("/tini");
    statuses.clear();

    long xvnc = processNamed(first, "Xvnc").orElseThrow();
    HostCommands.run(5_000, "kill", "-KILL", Long.toString(xvnc));

    awaitState("phoenix", RUNNING);
    assertThat(statuses.states("phoenix")).containsSubsequence(STARTING, RUNNING);
    assertThat(statuses.getFirst().reason()).startsWith("session exited with code ");
    Launch second = runtime.launch("phoenix").orElseThrow();
    assertThat(second).isNotSameAs(first);
    assertThat(first.process().isAlive()).isFalse();
    assertThat(second.uid()).isEqualTo(first.uid());
    DisplayEndpoint endpoint = runtime.display("local", "phoenix").orElseThrow();
    try (RfbClient rfb = new RfbClient(endpoint.host(), endpoint.port())) {
      assertThat(rfb.serverVersion).isEqualTo("RFB 003.008");
    }
    // Its home came back with it, and the user can work in it again.
    assertThat(runtime.home("phoenix").resolve("kept.txt")).hasContent("mine");
    type(second, "cat kept.txt > again.txt\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> read(runtime.home("phoenix").resolve("again.txt")).equals("mine\n"));
    assertThat(statuses.lastOf("phoenix").health()).isEqualTo(DesktopHealth.DEGRADED);
    assertThat(statuses.lastOf("phoenix").healthReason())
        .startsWith("session restarted 1 time in the last 60 min (last: session exited with code");

    // Orphans the user's programs leave are reaped: none stays a zombie.
    type(second, "for i in $(seq 30); do (sleep 0.1 &); done\n");
    Thread.sleep(1_500);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(HostCommands.groupMembers(second.pgid()))
                    .noneMatch(LocalDesktopHygieneTest::zombie));
  }

  // --- helpers

  private LocalRuntime runtime() {
    return runtime(LocalSettings.resolveEntrypoint(null, Path.of("")));
  }

  private LocalRuntime runtime(Path entrypoint) {
    LocalSettings settings =
        new LocalSettings(
            "local",
            "local",
            "local-a",
            LocalSettings.hostNodeName(),
            LocalSettings.hostArch(),
            Runtime.getRuntime().availableProcessors() * 1000L,
            LocalSettings.hostMemoryMiB(),
            8,
            List.of("local-home"),
            dataDir,
            entrypoint,
            "runsc",
            LocalRuntimeTest.TEST_UID_BASE + 50,
            40,
            PIDS_MAX,
            "1024x768",
            "openbox",
            80,
            START,
            Duration.ofSeconds(3),
            new LocalSettings.Hygiene(
                LOG_MAX,
                64 * 1024,
                Duration.ofSeconds(1),
                Duration.ofMillis(500),
                Duration.ofSeconds(5),
                Duration.ofHours(1),
                PrintRetention.DEFAULTS));
    LocalRuntime r = new LocalRuntime(settings);
    r.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }
        });
    return r;
  }

  private static DesktopSpec spec(String id) {
    return new DesktopSpec(
        id,
        "desktop " + id,
        "alice",
        "local",
        LocalSettings.hostNodeName(),
        "opencdi/desktop-openbox:0.1",
        500,
        512,
        "runc",
        "local-home",
        1,
        Power.ON);
  }

  /** Types into the desktop's terminal over RFB, once its shell runs. */
  private void type(Launch launch, String text) throws IOException {
    DisplayEndpoint ep = launch.endpoint();
    try (RfbClient rfb = new RfbClient(ep.host(), ep.port())) {
      Terminals.type(launch, rfb, launch.log().file().resolveSibling("home"), text);
    }
  }

  private static Optional<Long> processNamed(Launch launch, String name) {
    return launch
        .process()
        .toHandle()
        .descendants()
        .filter(p -> HostCommands.cmdline(p.pid()).startsWith(name + " "))
        .map(ProcessHandle::pid)
        .findFirst();
  }

  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  private void awaitState(String id, DesktopState state) {
    statuses.awaitState(id, state, START);
  }
}
