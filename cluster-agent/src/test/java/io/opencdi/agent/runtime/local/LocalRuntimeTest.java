package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static io.opencdi.protocol.DesktopState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.ProcessUsage;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local runtime with real processes: the repository's {@code images/desktop/entrypoint.sh}
 * starts Xvnc and openbox, the test speaks RFB to them, types into the desktop's terminal and
 * checks the home directory. Needs the Debian packages tigervnc-standalone-server, openbox and
 * xterm (and runsc for the gVisor test); {@code .ci/run} installs them.
 */
class LocalRuntimeTest {
  private static final Logger LOG = Logger.getLogger(LocalRuntimeTest.class);
  private static final Duration START = Duration.ofSeconds(40);

  /**
   * The first user id of the tests' desktops: a range of its own for each test JVM, so that a
   * desktop user's processes, which delete ends, are never another run's.
   */
  static final int TEST_UID_BASE =
      300_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000) * 100;

  @TempDir Path tmp;

  private Path dataDir;
  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();
  private final List<SnapshotStatus> snapshots = new CopyOnWriteArrayList<>();

  @BeforeEach
  void dataDir() throws IOException {
    // The desktop user (nobody when the tests run as root) must traverse to its home.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    dataDir = tmp.resolve("data");
  }

  @AfterEach
  void closeRuntimes() {
    runtimes.forEach(LocalRuntime::close);
  }

  @Test
  void desktopSpeaksRfbAndKeepsItsHomeAcrossPowerOffAndOn() throws Exception {
    LocalRuntime runtime = runtime("runsc");
    assertThat(runtime.clusters())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.name()).isEqualTo("local");
              assertThat(c.runtimeClasses()).contains("runc");
              assertThat(c.storageClasses()).containsExactly("local-home");
              assertThat(c.nodeGroups())
                  .singleElement()
                  .satisfies(
                      n -> {
                        assertThat(n.cpuMillis())
                            .isEqualTo(Runtime.getRuntime().availableProcessors() * 1000L);
                        assertThat(n.memoryMiB()).isPositive();
                      });
            });

    assertThat(runtime.start(spec("d1", "runc")).accepted()).isTrue();
    awaitState("d1", RUNNING);
    assertThat(statuses.states("d1")).containsSubsequence(STARTING, RUNNING);
    DisplayEndpoint endpoint = runtime.display("local", "d1").orElseThrow();
    assertThat(endpoint.host()).isEqualTo("127.0.0.1");
    Launch launch = runtime.launch("d1").orElseThrow();
    if (HostCommands.uid() == 0) {
      // A desktop never runs as root: every process of its group but the agent's unshare, which
      // holds its namespaces, runs as the desktop's own user.
      // A short-lived start-up helper may exit between listing the group and reading its owner.
      assertThat(launch.uid()).isBetween(TEST_UID_BASE, TEST_UID_BASE + 99);
      List<Integer> owners = new ArrayList<>();
      for (long pid : HostCommands.groupMembers(launch.pgid())) {
        if (pid != launch.process().pid()) {
          uidOf(pid).ifPresent(owners::add);
        }
      }
      assertThat(owners).isNotEmpty().containsOnly(launch.uid());
    }

    Path home = runtime.home("d1");
    try (RfbClient rfb = new RfbClient(endpoint.host(), endpoint.port())) {
      assertThat(rfb.serverVersion).isEqualTo("RFB 003.008");
      assertThat(rfb.width).isEqualTo(1024);
      assertThat(rfb.height).isEqualTo(768);
      assertThat(rfb.name).isEqualTo("desktop d1");
      // The terminal has the focus: what is typed over RFB runs in the desktop's shell in HOME.
      Terminals.type(launch, rfb, home, "echo typed-over-vnc > typed.txt\n");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> readOrEmpty(home.resolve("typed.txt")).equals("typed-over-vnc\n"));
      assertThat(rfb.requestFullUpdate()).isPositive();
    }

    // Live state: the desktop's real processes and the host as its node.
    LiveReport live = runtime.live(new LiveQuery("q1", "local", List.of("d1", "d-none"), true));
    assertThat(live.error()).isNull();
    assertThat(live.desktops())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.desktopId()).isEqualTo("d1");
              assertThat(d.processes())
                  .extracting(ProcessUsage::command)
                  .anyMatch(c -> c.contains("Xvnc"))
                  .anyMatch(c -> c.contains("openbox"))
                  .anyMatch(c -> c.contains("xterm"))
                  .anyMatch(c -> c.contains("bash"));
              assertThat(d.memoryBytes()).isGreaterThan(1L << 20);
              assertThat(d.processes())
                  .extracting(ProcessUsage::pid)
                  .contains(launch.process().pid());
            });
    assertThat(live.nodes())
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.name()).isEqualTo(LocalSettings.hostNodeName());
              assertThat(n.desktops()).isEqualTo(1);
              assertThat(n.usedMemoryMiB()).isPositive();
              assertThat(n.usedCpuMillis()).isNotNull();
            });

    List<ProcessHandle> tree = launch.process().toHandle().descendants().toList();
    assertThat(tree).hasSizeGreaterThanOrEqualTo(4); // Xvnc, openbox, xterm, its shell
    assertThat(runtime.stop(spec("d1", "runc")).accepted()).isTrue();
    awaitState("d1", STOPPED);
    assertThat(tree).noneMatch(LocalRuntimeTest::running);
    assertThat(statuses.states("d1")).containsSubsequence(RUNNING, STOPPING, STOPPED);
    assertThat(HostCommands.groupMembers(launch.pgid())).isEmpty();
    assertThat(launch.process().isAlive()).isFalse();
    assertThat(Rfb.banner(endpoint.host(), endpoint.port(), 500)).isNull();
    assertThat(runtime.display("local", "d1")).isEmpty();
    assertThat(home.resolve("typed.txt")).hasContent("typed-over-vnc");

    statuses.clear();
    assertThat(runtime.start(spec("d1", "runc")).accepted()).isTrue();
    awaitState("d1", RUNNING);
    assertThat(runtime.home("d1")).isEqualTo(home);
    assertThat(home.resolve("typed.txt")).hasContent("typed-over-vnc");
    DisplayEndpoint again = runtime.display("local", "d1").orElseThrow();
    try (RfbClient rfb = new RfbClient(again.host(), again.port())) {
      assertThat(rfb.width).isEqualTo(1024);
    }

    long pgid = runtime.launch("d1").orElseThrow().pgid();
    assertThat(runtime.delete("local", "d1").accepted()).isTrue();
    awaitState("d1", DELETED);
    assertThat(HostCommands.groupMembers(pgid)).isEmpty();
    assertThat(home).doesNotExist();
    assertThat(runtime.inventory()).isEmpty();
  }

  /**
   * The XFCE variant of the desktop image runs the same entrypoint with {@code
   * OPENCDI_SESSION=xfce}: its session, window manager and panel start, and the terminal on it
   * takes what the user types. CI installs xfce4-session, xfwm4, xfce4-panel and dbus-x11 for this.
   */
  @Test
  void xfceSessionRunsTheFullDesktopWithItsTerminal() throws Exception {
    LocalRuntime runtime =
        runtime("runsc", LocalSettings.resolveEntrypoint(null, Path.of("")), START, "xfce");
    assertThat(runtime.start(spec("x1", "runc")).accepted()).isTrue();
    awaitState("x1", RUNNING);
    Launch launch = runtime.launch("x1").orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        launch
                            .process()
                            .toHandle()
                            .descendants()
                            .map(p -> p.info().command().orElse(""))
                            .map(c -> c.substring(c.lastIndexOf('/') + 1))
                            .toList())
                    .contains("xfce4-session", "xfwm4", "xfce4-panel", "xterm"));

    DisplayEndpoint endpoint = runtime.display("local", "x1").orElseThrow();
    Path home = runtime.home("x1");
    try (RfbClient rfb = new RfbClient(endpoint.host(), endpoint.port())) {
      assertThat(rfb.width).isEqualTo(1024);
      Terminals.type(launch, rfb, home, "echo typed-on-xfce > xfce.txt\n");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> readOrEmpty(home.resolve("xfce.txt")).equals("typed-on-xfce\n"));
      assertThat(rfb.requestFullUpdate()).isPositive();
    }

    long pgid = launch.pgid();
    assertThat(runtime.stop(spec("x1", "runc")).accepted()).isTrue();
    awaitState("x1", STOPPED);
    assertThat(HostCommands.groupMembers(pgid)).isEmpty();
    assertThat(home.resolve("xfce.txt")).hasContent("typed-on-xfce");
  }

  @Test
  void aSnapshotCopiesTheHomeAndARestoredDesktopStartsWithThatCopy() throws Exception {
    LocalRuntime runtime = runtime("runsc");
    assertThat(runtime.snapshot(new SnapshotSpec("s1", "x", "d1", "local")).reason())
        .isEqualTo("cluster local has no desktop d1");
    assertThat(runtime.start(withRestore(spec("d2", "runc"), "s1")).reason())
        .isEqualTo("cluster local has no snapshot s1");

    assertThat(runtime.start(spec("d1", "runc")).accepted()).isTrue();
    awaitState("d1", RUNNING);
    Path home = runtime.home("d1");
    Files.createDirectories(home.resolve("projects/app"));
    Files.writeString(home.resolve("projects/app/main.c"), "int main() { return 0; }\n");
    Path secret = home.resolve("projects/key");
    Files.writeString(secret, "k");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(home.resolve("etc-link"), Path.of("/etc"));
    byte[] big = new byte[3 * 1024 * 1024];
    new java.util.Random(7).nextBytes(big);
    Files.write(home.resolve("data.bin"), big);

    // Taken while the desktop runs, like a CSI snapshot of a mounted volume.
    assertThat(runtime.snapshot(new SnapshotSpec("s1", "before", "d1", "local")).accepted())
        .isTrue();
    awaitSnapshot("s1", SnapshotState.READY);
    assertThat(snapshotStates("s1")).containsExactly(SnapshotState.PENDING, SnapshotState.READY);
    SnapshotStatus ready = snapshots.get(snapshots.size() - 1);
    assertThat(ready.desktopId()).isEqualTo("d1");
    assertThat(ready.cluster()).isEqualTo("local");
    // The size is what the copy holds (the running session may have written more since).
    long expected;
    try (var files = Files.walk(dataDir.resolve("snapshots/s1/home"))) {
      expected =
          files
              .filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
              .mapToLong(f -> f.toFile().length())
              .sum();
    }
    assertThat(ready.sizeBytes()).isEqualTo(expected).isGreaterThan(big.length);

    // The desktop goes on changing its home; the snapshot keeps the moment it was taken.
    Files.writeString(home.resolve("projects/app/main.c"), "changed later\n");
    Files.delete(home.resolve("data.bin"));

    assertThat(runtime.start(withRestore(spec("d2", "runc"), "s1")).accepted()).isTrue();
    awaitState("d2", RUNNING);
    Path restored = runtime.home("d2");
    assertThat(restored.resolve("projects/app/main.c")).hasContent("int main() { return 0; }");
    assertThat(Files.readAllBytes(restored.resolve("data.bin"))).isEqualTo(big);
    assertThat(Files.getPosixFilePermissions(restored.resolve("projects/key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.isSymbolicLink(restored.resolve("etc-link"))).isTrue();
    assertThat(Files.readSymbolicLink(restored.resolve("etc-link"))).isEqualTo(Path.of("/etc"));
    if (HostCommands.uid() == 0) {
      // The copy belongs to the restored desktop's own user, not to the original's.
      int restoredUid = runtime.launch("d2").orElseThrow().uid();
      assertThat(restoredUid).isNotEqualTo(Files.getAttribute(secret, "unix:uid"));
      assertThat(Files.getAttribute(restored.resolve("projects/key"), "unix:uid"))
          .isEqualTo(restoredUid);
      assertThat(Files.getAttribute(restored, "unix:uid")).isEqualTo(restoredUid);
    }
    // The original is untouched by the restore.
    assertThat(home.resolve("projects/app/main.c")).hasContent("changed later");

    // A snapshot outlives its desktop; deleting it removes the copy and nothing else.
    runtime.delete("local", "d1");
    awaitState("d1", DELETED);
    assertThat(dataDir.resolve("snapshots/s1/home/data.bin")).exists();
    assertThat(runtime.deleteSnapshot("local", "s1").accepted()).isTrue();
    awaitSnapshot("s1", SnapshotState.DELETED);
    assertThat(dataDir.resolve("snapshots/s1")).doesNotExist();
    assertThat(restored.resolve("data.bin")).exists();
    assertThat(runtime.start(withRestore(spec("d3", "runc"), "s1")).reason())
        .isEqualTo("cluster local has no snapshot s1");
    assertThat(runtime.deleteSnapshot("elsewhere", "s1").accepted()).isFalse();
    assertThat(runtime.snapshot(new SnapshotSpec("../etc", "x", "d2", "local")).accepted())
        .isFalse();
    runtime.delete("local", "d2");
    awaitState("d2", DELETED);
  }

  @Test
  void afterARestartEveryHomeIsReportedStoppedAndComesBack() throws Exception {
    LocalRuntime first = runtime("runsc");
    first.start(spec("r1", "runc"));
    awaitState("r1", RUNNING);
    Files.writeString(first.home("r1").resolve("notes.txt"), "kept");
    long pgid = first.launch("r1").orElseThrow().pgid();
    first.close();
    assertThat(HostCommands.groupMembers(pgid)).isEmpty();

    statuses.clear();
    LocalRuntime second = runtime("runsc");
    assertThat(second.inventory())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.desktopId()).isEqualTo("r1");
              assertThat(s.state()).isEqualTo(STOPPED);
            });
    second.start(spec("r1", "runc"));
    awaitState("r1", RUNNING);
    assertThat(second.home("r1").resolve("notes.txt")).hasContent("kept");
    second.delete("local", "r1");
    awaitState("r1", DELETED);
  }

  @Test
  void gvisorDesktopRunsInsideTheSandbox() throws Exception {
    Gvisor.Probe probe = Gvisor.probe("runsc");
    if (!probe.available()) {
      LOG.warnf("gVisor test skipped: %s (CI installs runsc and runs as root)", probe.reason());
    }
    assumeTrue(probe.available(), () -> "gVisor is not usable here: " + probe.reason());
    LocalRuntime runtime = runtime("runsc");
    assertThat(runtime.clusters().get(0).runtimeClasses()).containsExactly("runc", "gvisor");

    assertThat(runtime.start(spec("g1", "gvisor")).accepted()).isTrue();
    awaitState("g1", RUNNING);
    DisplayEndpoint endpoint = runtime.display("local", "g1").orElseThrow();
    // The display is the sandbox's own address on its veth pair, not a host port.
    assertThat(endpoint.host()).startsWith("10.250.");
    try (RfbClient rfb = new RfbClient(endpoint.host(), endpoint.port())) {
      assertThat(rfb.width).isEqualTo(1024);
      assertThat(rfb.height).isEqualTo(768);
      assertThat(rfb.requestFullUpdate()).isPositive();
    }

    // Inside, the kernel is gVisor's Sentry, not the host's.
    String hostKernel = HostCommands.run(5_000, "uname", "-r").output();
    HostCommands.Result kernel = runtime.execInSandbox("g1", "uname", "-r");
    assertThat(kernel.ok()).as(kernel.output()).isTrue();
    assertThat(kernel.output()).isNotEqualTo(hostKernel);
    assertThat(runtime.execInSandbox("g1", "dmesg").output()).contains("gVisor");
    // The desktop's processes are the sandbox's: Xvnc and openbox run under runsc.
    HostCommands.Result ps = runtime.execInSandbox("g1", "ps", "-eo", "user,comm");
    assertThat(ps.output()).contains("Xvnc", "openbox");
    // The home is the host directory, writable by the desktop user; the rest is read-only.
    HostCommands.Result write =
        runtime.execInSandbox(
            "g1",
            "sh",
            "-c",
            "echo from-gvisor > " + runtime.home("g1") + "/g.txt && ! touch /etc/opencdi-escape");
    assertThat(write.ok()).as(write.output()).isTrue();
    assertThat(runtime.home("g1").resolve("g.txt")).hasContent("from-gvisor");
    assertThat(Path.of("/etc/opencdi-escape")).doesNotExist();

    // Power cycles keep the home as for runc desktops (see above); one gVisor start is slow
    // enough on a loaded CI machine (ptrace platform) to test it once.
    Launch launch = runtime.launch("g1").orElseThrow();
    runtime.stop(spec("g1", "gvisor"));
    awaitState("g1", STOPPED);
    assertThat(Rfb.banner(endpoint.host(), endpoint.port(), 500)).isNull();
    assertThat(HostCommands.groupMembers(launch.pgid())).isEmpty();
    // The sandbox's network namespace and veth pair are gone with it.
    assertThat(HostCommands.run(5_000, "ip", "netns", "list").output())
        .doesNotContain(launch.sandbox().netns());
    assertThat(HostCommands.run(5_000, "ip", "link", "show", launch.sandbox().hostVeth()).ok())
        .isFalse();
    assertThat(runtime.home("g1").resolve("g.txt")).hasContent("from-gvisor");
    runtime.delete("local", "g1");
    awaitState("g1", DELETED);
    assertThat(runtime.home("g1")).doesNotExist();
  }

  @Test
  void withoutRunscAGvisorDesktopIsRefusedNeverRunUnsandboxed() {
    LocalRuntime runtime = runtime("/nonexistent/runsc");
    assertThat(runtime.clusters().get(0).runtimeClasses()).containsExactly("runc");
    Admission admission = runtime.start(spec("g2", "gvisor"));
    assertThat(admission.accepted()).isFalse();
    assertThat(admission.reason())
        .contains("cannot run runtime class gvisor")
        .contains("runsc is not installed")
        .contains("never runs unsandboxed");
    assertThat(runtime.inventory()).isEmpty();
    assertThat(runtime.home("g2")).doesNotExist();
    assertThat(statuses).isEmpty();
  }

  @Test
  void kataAndBadSpecsAreRefusedWithReasons() {
    LocalRuntime runtime = runtime("runsc");
    assertThat(runtime.start(spec("k1", "kata")).reason())
        .contains("has no runtime class kata")
        .contains("cannot boot Kata Containers");
    assertThat(runtime.start(spec("../escape", "runc")).reason()).contains("cannot name a home");
    DesktopSpec base = spec("b1", "runc");
    assertThat(runtime.start(with(base, "elsewhere", base.node(), "local-home")).reason())
        .startsWith("unknown cluster elsewhere");
    assertThat(runtime.start(with(base, "local", "no-such-node", "local-home")).reason())
        .contains("has no node no-such-node");
    assertThat(runtime.start(with(base, "local", base.node(), "longhorn")).reason())
        .contains("has no storage class longhorn (it has local-home)");
    assertThat(runtime.inventory()).isEmpty();
    assertThat(statuses).isEmpty();
  }

  @Test
  void aDesktopThatEndsOrNeverAnswersIsFailedWithItsLog() throws Exception {
    // A desktop whose programs filled their log before they crashed: 64 MiB, then the cause.
    Path crashing =
        script(
            "crash.sh",
            "head -c 67108864 /dev/zero | tr '\\0' x; echo;"
                + " echo \"Xvnc: cannot open display\" >&2; exit 3");
    LocalRuntime runtime = runtime("runsc", crashing, Duration.ofSeconds(30));
    runtime.start(spec("f1", "runc"));
    awaitState("f1", DesktopState.FAILED);
    assertThat(statuses.getLast().reason())
        .startsWith("the desktop's processes exited with code 3; log ")
        .endsWith("Xvnc: cannot open display")
        .hasSizeLessThan(1_000);
    assertThat(runtime.display("local", "f1")).isEmpty();
    // FAILED holds no capacity; power off makes it STOPPED, with its home.
    runtime.stop(spec("f1", "runc"));
    awaitState("f1", STOPPED);
    assertThat(runtime.home("f1")).isDirectory();

    Path silent = script("silent.sh", "echo started; exec sleep 600");
    LocalRuntime patient = runtime("runsc", silent, Duration.ofSeconds(2));
    patient.start(spec("f2", "runc"));
    await().atMost(START).until(() -> patient.launch("f2").isPresent());
    long pgid = patient.launch("f2").orElseThrow().pgid();
    awaitState("f2", DesktopState.FAILED);
    assertThat(statuses.getLast().reason())
        .startsWith("no RFB banner on 127.0.0.1:")
        .contains("within 2 s")
        .endsWith("desktop.log: started");
    assertThat(HostCommands.groupMembers(pgid)).isEmpty();
  }

  // --- helpers

  private Path script(String name, String body) throws IOException {
    Path file = tmp.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private LocalRuntime runtime(String runsc) {
    return runtime(runsc, LocalSettings.resolveEntrypoint(null, Path.of("")), START);
  }

  private LocalRuntime runtime(String runsc, Path entrypoint, Duration startTimeout) {
    return runtime(runsc, entrypoint, startTimeout, "openbox");
  }

  private LocalRuntime runtime(
      String runsc, Path entrypoint, Duration startTimeout, String session) {
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
            runsc,
            TEST_UID_BASE,
            100,
            2048,
            "1024x768",
            session,
            40,
            startTimeout,
            Duration.ofSeconds(3),
            LocalSettings.Hygiene.DEFAULTS);
    LocalRuntime runtime = new LocalRuntime(settings);
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }

          @Override
          public void snapshotChanged(SnapshotStatus status) {
            snapshots.add(status);
          }
        });
    runtimes.add(runtime);
    return runtime;
  }

  private static DesktopSpec spec(String id, String runtimeClass) {
    return new DesktopSpec(
        id,
        "desktop " + id,
        "alice",
        "local",
        LocalSettings.hostNodeName(),
        "opencdi/desktop-openbox:0.1",
        500,
        512,
        runtimeClass,
        "local-home",
        1,
        Power.ON);
  }

  private static DesktopSpec with(DesktopSpec s, String cluster, String node, String storage) {
    return new DesktopSpec(
        s.id(),
        s.name(),
        s.owner(),
        cluster,
        node,
        s.image(),
        s.cpuMillis(),
        s.memoryMiB(),
        s.runtimeClass(),
        storage,
        s.homeVolumeGiB(),
        s.power());
  }

  private static DesktopSpec withRestore(DesktopSpec s, String snapshotId) {
    return new DesktopSpec(
        s.id(),
        s.name(),
        s.owner(),
        s.cluster(),
        s.node(),
        s.image(),
        s.cpuMillis(),
        s.memoryMiB(),
        s.runtimeClass(),
        s.storageClass(),
        s.homeVolumeGiB(),
        s.power(),
        snapshotId);
  }

  private void awaitSnapshot(String id, SnapshotState state) {
    await()
        .atMost(START)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () ->
                assertThat(snapshotStates(id))
                    .as("snapshot %s: %s", id, snapshots)
                    .last()
                    .isEqualTo(state));
  }

  private List<SnapshotState> snapshotStates(String id) {
    return snapshots.stream()
        .filter(s -> s.snapshotId().equals(id))
        .map(SnapshotStatus::state)
        .toList();
  }

  /** Alive and not a zombie (orphans are reaped by the host's init whenever it gets to it). */
  private static boolean running(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<Integer> uidOf(long pid) {
    try {
      return Optional.of(
          (Integer) Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String readOrEmpty(Path file) {
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
