package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two local desktops of two users on one host, attacked from inside one of them: a program of
 * desktop A (entered into A's namespaces with nsenter, running as A's user via setpriv, as any
 * program in A's session) tries to read B's processes, write into B's home, take over B's screen
 * over VNC and X, and reach the agent's and the gateway's ports. Each attempt is refused and B is
 * unchanged. Needs root (each desktop gets its own user and namespaces), as CI runs.
 */
class LocalDesktopIsolationTest {
  private static final Duration START = Duration.ofSeconds(40);

  @TempDir Path tmp;

  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();
  private Path dataDir;

  @BeforeEach
  void rootOnly() throws IOException {
    assumeTrue(
        HostCommands.uid() == 0, "desktops get users and namespaces of their own only under root");
    // A data directory under a directory no one else may enter, as in root's home.
    Path parent = Files.createDirectories(tmp.resolve("private"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    dataDir = parent.resolve("data");
  }

  @AfterEach
  void close() {
    runtimes.forEach(LocalRuntime::close);
  }

  @Test
  void aProgramInOneDesktopCannotReachAnotherDesktopNorTheAgent() throws Exception {
    LocalRuntime runtime = runtime();
    runtime.start(spec("a", "alice"));
    runtime.start(spec("b", "bob"));
    awaitState("a", RUNNING);
    awaitState("b", RUNNING);
    Launch a = runtime.launch("a").orElseThrow();
    Launch b = runtime.launch("b").orElseThrow();

    // Each desktop has a user of its own, owning its home, which no one else may enter.
    assertThat(a.uid()).isNotEqualTo(b.uid());
    for (String id : List.of("a", "b")) {
      Path home = runtime.home(id);
      assertThat(Files.getAttribute(home, "unix:uid"))
          .isEqualTo(runtime.launch(id).orElseThrow().uid());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home)))
          .isEqualTo("rwx------");
    }
    Path homeB = runtime.home("b");
    Files.writeString(homeB.resolve("diary.txt"), "bob's");
    Files.setAttribute(homeB.resolve("diary.txt"), "unix:uid", b.uid());
    long shellB = Terminals.awaitShell(b);
    long xvncB = pidOf(b, "X(tiger)?vnc");

    // The attacker really is a program of A: A's user, A's home writable, A's display usable.
    HostCommands.Result self =
        inDesktop(
            a,
            "id -u; echo mine > \"$HOME\"/mine.txt && echo wrote-home;"
                + " DISPLAY=:"
                + a.display()
                + " XAUTHORITY=$HOME/.Xauthority xdpyinfo >/dev/null && echo own-display");
    assertThat(self.output()).contains(Integer.toString(a.uid()), "wrote-home", "own-display");
    assertThat(runtime.home("a").resolve("mine.txt")).hasContent("mine");
    // Without the cookie even A's own display refuses: the X authority is enforced.
    assertThat(
            inDesktop(a, "DISPLAY=:" + a.display() + " XAUTHORITY=/dev/null xdpyinfo").exitCode())
        .isNotZero();

    // B's environment through /proc: B's processes are not even visible from A.
    HostCommands.Result environ =
        inDesktop(
            a,
            "cat /proc/" + xvncB + "/environ; grep -l OPENCDI_DESKTOP_ID=b /proc/[0-9]*/environ");
    assertThat(environ.exitCode()).isNotZero();
    assertThat(environ.output()).doesNotContain("OPENCDI_DESKTOP_ID=b");
    assertThat(Files.readString(Path.of("/proc", Long.toString(xvncB), "environ")))
        .as("the process A tried to read is B's")
        .contains("OPENCDI_DESKTOP_ID=b");

    // B's home through its host path and through /proc/<pid>/cwd of B's shell.
    HostCommands.Result write =
        inDesktop(
            a,
            "echo owned > "
                + homeB
                + "/owned.txt; echo owned > /proc/"
                + shellB
                + "/cwd/owned.txt;"
                + " cat "
                + homeB
                + "/diary.txt; ls /proc/"
                + shellB
                + "/cwd/");
    assertThat(write.exitCode()).isNotZero();
    assertThat(write.output()).doesNotContain("bob's");
    assertThat(write.output().lines()).as("a listing of B's home").doesNotContain("diary.txt");
    assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(shellB), "cwd")).toString())
        .as("B's shell works in B's home")
        .isEqualTo(DesktopLauncher.DESKTOP_HOME);

    // B's VNC: the agent's endpoint for it and B's socket itself; the agent reaches it.
    DisplayEndpoint vncB = runtime.display("local", "b").orElseThrow();
    Path socketB = homeB.resolveSibling("vnc").resolve("rfb.sock");
    HostCommands.Result vnc =
        inDesktop(
            a,
            rfbHandshake("127.0.0.1", vncB.port())
                + "; /usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_UNIX);"
                + " s.connect('"
                + socketB
                + "'); s.sendall(s.recv(12)); print('CONNECTED', s.recv(64))\"");
    assertThat(vnc.output()).doesNotContain("RFB 003", "CONNECTED");
    try (RfbClient agent = new RfbClient(vncB.host(), vncB.port())) {
      assertThat(agent.serverVersion).isEqualTo("RFB 003.008");
      assertThat(agent.name).isEqualTo("desktop b");
    }

    // B's X display, by its number (abstract and file socket alike).
    HostCommands.Result x = inDesktop(a, "DISPLAY=:" + b.display() + " xdpyinfo");
    assertThat(x.exitCode()).isNotZero();
    assertThat(x.output()).doesNotContain("name of display:");

    // The agent's and the gateway's ports: listeners of this (the agent's) process on loopback
    // and on all addresses, which the host itself reaches.
    try (ServerSocket loopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket any = new ServerSocket(0, 50)) {
      String hostAddress = hostAddress();
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress(hostAddress, any.getLocalPort()), 2_000);
      }
      HostCommands.Result ports =
          inDesktop(
              a,
              Stream.of(
                      "127.0.0.1:" + loopback.getLocalPort(),
                      "127.0.0.1:" + any.getLocalPort(),
                      hostAddress + ":" + any.getLocalPort())
                  .map(
                      hp ->
                          "(exec 3<>/dev/tcp/"
                              + hp.replace(':', '/')
                              + " && echo REACHED "
                              + hp
                              + ")")
                  .reduce((l, r) -> l + "; " + r)
                  .orElseThrow());
      assertThat(ports.output()).doesNotContain("REACHED");
    }

    // Nothing of B changed, and B still works.
    // (B's own programs may write meanwhile; nothing there is A's.)
    assertThat(ownersIn(homeB)).containsOnly(b.uid());
    assertThat(homeB.resolve("owned.txt")).doesNotExist();
    assertThat(homeB.resolve("diary.txt")).hasContent("bob's");
    assertThat(runtime.inventory())
        .filteredOn(s -> s.desktopId().equals("b"))
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo(RUNNING));
    try (RfbClient agent = new RfbClient(vncB.host(), vncB.port())) {
      assertThat(agent.requestFullUpdate()).isPositive();
    }

    // Last, A swaps its own VNC socket for a link to B's, for the agent (root) to follow: the
    // agent relays nothing to A's viewers.
    assertThat(
            inDesktop(
                    a,
                    "rm -f /tmp/.opencdi/vnc/rfb.sock && ln -s "
                        + socketB
                        + " /tmp/.opencdi/vnc/rfb.sock && echo swapped")
                .output())
        .contains("swapped");
    assertThat(Files.isSymbolicLink(runtime.home("a").resolveSibling("vnc").resolve("rfb.sock")))
        .isTrue();
    DisplayEndpoint vncA = runtime.display("local", "a").orElseThrow();
    try (Socket viewer = new Socket(vncA.host(), vncA.port())) {
      viewer.setSoTimeout(5_000);
      assertThat(viewer.getInputStream().read()).as("no RFB banner of B's").isEqualTo(-1);
    }
  }

  @Test
  void aDesktopKeepsItsOwnUserAcrossPowerCyclesAndAgentRestarts() throws Exception {
    LocalRuntime first = runtime();
    first.start(spec("k1", "alice"));
    first.start(spec("k2", "bob"));
    awaitState("k1", RUNNING);
    awaitState("k2", RUNNING);
    int uid1 = first.launch("k1").orElseThrow().uid();
    int uid2 = first.launch("k2").orElseThrow().uid();
    assertThat(uid1).isNotEqualTo(uid2);

    first.stop(spec("k1", "alice"));
    awaitState("k1", STOPPED);
    statuses.clear();
    first.start(spec("k1", "alice"));
    awaitState("k1", RUNNING);
    assertThat(first.launch("k1").orElseThrow().uid()).isEqualTo(uid1);
    first.close();
    assertThat(HostCommands.processesOf(uid1)).isEmpty();
    assertThat(HostCommands.processesOf(uid2)).isEmpty();

    statuses.clear();
    LocalRuntime second = runtime();
    second.start(spec("k2", "bob"));
    awaitState("k2", RUNNING);
    second.start(spec("k3", "carol"));
    awaitState("k3", RUNNING);
    assertThat(second.launch("k2").orElseThrow().uid()).isEqualTo(uid2);
    // k1 is powered off, not gone: its user stays its own.
    assertThat(second.launch("k3").orElseThrow().uid()).isNotIn(uid1, uid2);
    assertThat(Files.getAttribute(second.home("k2"), "unix:uid")).isEqualTo(uid2);
  }

  @Test
  void aProcessThatLeftTheDesktopsSessionIsGoneAfterPowerOffAndDelete() throws Exception {
    LocalRuntime runtime = runtime();
    runtime.start(spec("s1", "alice"));
    awaitState("s1", RUNNING);
    Launch launch = runtime.launch("s1").orElseThrow();
    // The kernel enforces the desktop's limits: its processes are in its cgroups.
    Path pids = Path.of("/sys/fs/cgroup/pids/opencdi", Integer.toString(launch.uid()));
    if (Files.isWritable(Path.of("/sys/fs/cgroup/pids"))) {
      assertThat(Files.readString(pids.resolve("pids.max")).strip()).isEqualTo("2048");
      assertThat(Files.readString(pids.resolve("cgroup.procs")))
          .contains(Long.toString(launch.process().pid()));
      assertThat(
              Files.readString(
                      Path.of(
                          "/sys/fs/cgroup/memory/opencdi",
                          Integer.toString(launch.uid()),
                          "memory.limit_in_bytes"))
                  .strip())
          .isEqualTo(Long.toString(512L << 20));
    }

    String escape = "setsid bash -c 'sleep 3600 & exec sleep 3601' </dev/null >/dev/null 2>&1 &";
    assertThat(inDesktop(launch, escape).ok()).isTrue();
    List<Long> escaped = awaitEscapees(launch);

    runtime.stop(spec("s1", "alice"));
    awaitState("s1", STOPPED);
    assertThat(escaped)
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertThat(HostCommands.processesOf(launch.uid())).isEmpty();
    assertThat(pids).doesNotExist();

    statuses.clear();
    runtime.start(spec("s1", "alice"));
    awaitState("s1", RUNNING);
    Launch again = runtime.launch("s1").orElseThrow();
    assertThat(inDesktop(again, escape).ok()).isTrue();
    List<Long> escapedAgain = awaitEscapees(again);
    runtime.delete("local", "s1");
    awaitState("s1", DELETED);
    assertThat(escapedAgain)
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertThat(HostCommands.processesOf(again.uid())).isEmpty();
  }

  // --- helpers

  /** Runs a bash script as a program of the desktop: in its namespaces, as its user. */
  private static HostCommands.Result inDesktop(Launch desktop, String script) {
    return DesktopShell.run(desktop, script);
  }

  /** Bash that completes an RFB version handshake with host:port and prints the banner. */
  private static String rfbHandshake(String host, int port) {
    return "(exec 3<>/dev/tcp/"
        + host
        + "/"
        + port
        + " && IFS= read -r -t 3 -n 12 v <&3 && printf 'RFB 003.008\\n' >&3 && echo \"$v\")";
  }

  private static List<Long> awaitEscapees(Launch launch) {
    List<Long> escaped = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              escaped.clear();
              for (long pid : HostCommands.processesOf(launch.uid())) {
                if (HostCommands.cmdline(pid).startsWith("sleep 360")
                    && !HostCommands.groupMembers(launch.pgid()).contains(pid)) {
                  escaped.add(pid);
                }
              }
              return escaped.size() == 2;
            });
    return escaped;
  }

  private static long pidOf(Launch launch, String command) {
    return launch
        .process()
        .toHandle()
        .descendants()
        .filter(p -> p.info().command().orElse("").matches(".*/" + command))
        .findFirst()
        .orElseThrow()
        .pid();
  }

  private static String hostAddress() throws IOException {
    return NetworkInterface.networkInterfaces()
        .filter(
            n -> {
              try {
                return n.isUp() && !n.isLoopback();
              } catch (IOException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(Inet4Address.class::isInstance)
        .map(InetAddress::getHostAddress)
        .findFirst()
        .orElseThrow(() -> new IOException("the host has no IPv4 address besides loopback"));
  }

  private static List<Object> ownersIn(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      List<Object> owners = new ArrayList<>();
      for (Path p : (Iterable<Path>) files::iterator) {
        owners.add(Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
      }
      return owners;
    }
  }

  private LocalRuntime runtime() {
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
            LocalSettings.resolveEntrypoint(null, Path.of("")),
            "runsc",
            LocalRuntimeTest.TEST_UID_BASE,
            100,
            2048,
            "1024x768",
            "openbox",
            60,
            START,
            Duration.ofSeconds(3),
            LocalSettings.Hygiene.DEFAULTS);
    LocalRuntime runtime = new LocalRuntime(settings);
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            statuses.add(status);
          }
        });
    runtimes.add(runtime);
    return runtime;
  }

  private static DesktopSpec spec(String id, String owner) {
    return new DesktopSpec(
        id,
        "desktop " + id,
        owner,
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

  private void awaitState(String id, DesktopState state) {
    statuses.awaitState(id, state, START);
  }
}
