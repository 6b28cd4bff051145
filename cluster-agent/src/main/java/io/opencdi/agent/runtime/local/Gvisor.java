package io.opencdi.agent.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs a desktop's entrypoint inside a gVisor sandbox ({@code runsc run} with an OCI bundle) in a
 * network namespace of its own, joined to the host by a veth pair: the display is reachable only at
 * the sandbox's address, from the host. See ADR 0006 for why it is {@code runsc run} with {@code
 * --network=host} inside a private namespace rather than {@code runsc do}.
 */
final class Gvisor {
  /** Sandbox addresses: one /30 per desktop out of 10.250.0.0/16 (host .1, sandbox .2). */
  private static final String NET_PREFIX = "10.250.";

  private static final int SUBNETS = 1 << 14;
  private static final long CMD_TIMEOUT = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether gVisor can run here, and why not. */
  record Probe(boolean available, Path runsc, String reason) {}

  /** A created sandbox: what to start and what to tear down. */
  record Sandbox(
      String containerId,
      String netns,
      String hostVeth,
      String sandboxIp,
      Path stateRoot,
      Path runsc,
      List<String> command) {}

  private final Path runsc;
  private final Path stateRoot;
  private final Set<Integer> subnetsInUse = new HashSet<>();

  Gvisor(Path runsc, Path stateRoot) {
    this.runsc = runsc;
    this.stateRoot = stateRoot;
  }

  /** Checks that {@code runsc} is installed and usable by this process. */
  static Probe probe(String configured) {
    Path runsc = HostCommands.which(configured);
    if (runsc == null) {
      return new Probe(
          false,
          null,
          "gVisor's runsc is not installed on this host ("
              + configured
              + " not found; Debian package runsc)");
    }
    if (HostCommands.uid() != 0) {
      return new Probe(
          false,
          runsc,
          "gVisor sandboxes need the agent to run as root (runsc and the sandbox's network"
              + " namespace need it)");
    }
    if (HostCommands.which("ip") == null) {
      return new Probe(false, runsc, "the ip command (Debian package iproute2) is missing");
    }
    HostCommands.Result version = HostCommands.run(CMD_TIMEOUT, runsc.toString(), "--version");
    if (!version.ok()) {
      return new Probe(false, runsc, runsc + " --version failed: " + version.output());
    }
    return new Probe(true, runsc, null);
  }

  /**
   * Creates the network namespace and the OCI bundle of a sandbox for one desktop.
   *
   * @param env the entrypoint's environment; the VNC and sound addresses and ports are added here
   * @throws IOException when the namespace or the bundle cannot be made (nothing is left behind)
   */
  Sandbox create(
      String desktopId,
      Path bundleDir,
      Path home,
      Path entrypoint,
      Path policy,
      Path prints,
      int uid,
      int gid,
      Map<String, String> env,
      int vncPort)
      throws IOException {
    int subnet = allocateSubnet();
    String tag = Integer.toHexString(subnet | 0x10000).substring(1) + randomHex();
    String netns = "ocdi-" + tag;
    String hostVeth = "ocdh" + tag;
    String sandboxVeth = "ocds" + tag;
    String subnetBase = NET_PREFIX + (subnet >> 6) + ".";
    String hostIp = subnetBase + (((subnet & 63) << 2) + 1);
    String sandboxIp = subnetBase + (((subnet & 63) << 2) + 2);
    String containerId = "opencdi-" + desktopId;
    Sandbox sandbox =
        new Sandbox(
            containerId,
            netns,
            hostVeth,
            sandboxIp,
            stateRoot,
            runsc,
            List.of(
                runsc.toString(),
                "--root",
                stateRoot.toString(),
                // gVisor's own netstack refuses to start on this kernel with Debian's runsc
                // (ADR 0006); the host network stack inside a private namespace isolates it.
                "--network=host",
                "--ignore-cgroups",
                "run",
                "--bundle",
                bundleDir.toString(),
                containerId));
    try {
      // A container of the same name may be left over from an agent that was killed.
      HostCommands.run(
          CMD_TIMEOUT,
          runsc.toString(),
          "--root",
          stateRoot.toString(),
          "delete",
          "--force",
          containerId);
      Files.createDirectories(stateRoot);
      must("ip", "netns", "add", netns);
      must("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", sandboxVeth);
      must("ip", "link", "set", sandboxVeth, "netns", netns);
      must("ip", "addr", "add", hostIp + "/30", "dev", hostVeth);
      must("ip", "link", "set", hostVeth, "up");
      must(
          "ip", "netns", "exec", netns, "ip", "addr", "add", sandboxIp + "/30", "dev", sandboxVeth);
      must("ip", "netns", "exec", netns, "ip", "link", "set", sandboxVeth, "up");
      must("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
      Map<String, String> sandboxEnv = new LinkedHashMap<>(env);
      sandboxEnv.put("OPENCDI_DISPLAY", "1");
      sandboxEnv.put("OPENCDI_VNC_PORT", Integer.toString(vncPort));
      sandboxEnv.put("OPENCDI_VNC_LISTEN", sandboxIp);
      // Sound on the sandbox's address, for the host's end of its link alone (TcpDesktopAudio).
      sandboxEnv.put("OPENCDI_AUDIO_TCP", sandboxIp + ":" + TcpDesktopAudio.SOUND_PORT);
      sandboxEnv.put("OPENCDI_MIC_TCP", sandboxIp + ":" + TcpDesktopAudio.MICROPHONE_PORT);
      sandboxEnv.put("OPENCDI_AUDIO_PEER", hostIp);
      Files.createDirectories(bundleDir);
      JSON.writerWithDefaultPrettyPrinter()
          .writeValue(
              bundleDir.resolve("config.json").toFile(),
              spec(home, entrypoint, policy, prints, uid, gid, sandboxEnv, netns));
      return sandbox;
    } catch (IOException | RuntimeException e) {
      destroy(sandbox);
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
  }

  /** Kills the sandbox if it still runs and removes it and its network namespace. Idempotent. */
  void destroy(Sandbox sandbox) {
    String root = sandbox.stateRoot().toString();
    String rs = sandbox.runsc().toString();
    HostCommands.run(
        CMD_TIMEOUT, rs, "--root", root, "kill", "--all", sandbox.containerId(), "KILL");
    HostCommands.run(CMD_TIMEOUT, rs, "--root", root, "delete", "--force", sandbox.containerId());
    HostCommands.run(CMD_TIMEOUT, "ip", "netns", "delete", sandbox.netns());
    HostCommands.run(CMD_TIMEOUT, "ip", "link", "delete", sandbox.hostVeth());
    String ip = sandbox.sandboxIp();
    String[] octets = ip.split("\\.");
    int subnet = (Integer.parseInt(octets[2]) << 6) | (Integer.parseInt(octets[3]) >> 2);
    synchronized (subnetsInUse) {
      subnetsInUse.remove(subnet);
    }
  }

  /** Asks the sandbox's init (the entrypoint) to stop; it shuts the desktop down cleanly. */
  void terminate(Sandbox sandbox) {
    HostCommands.run(
        CMD_TIMEOUT,
        sandbox.runsc().toString(),
        "--root",
        sandbox.stateRoot().toString(),
        "kill",
        sandbox.containerId(),
        "TERM");
  }

  /** Runs a command as {@code uid:gid} inside a running sandbox (for tests and diagnostics). */
  HostCommands.Result exec(Sandbox sandbox, int uid, int gid, String... command) {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            sandbox.runsc().toString(),
            "--root",
            sandbox.stateRoot().toString(),
            "exec",
            "--user",
            uid + ":" + gid,
            sandbox.containerId()));
    cmd.addAll(List.of(command));
    return HostCommands.run(CMD_TIMEOUT, cmd);
  }

  private int allocateSubnet() {
    String addresses = HostCommands.run(CMD_TIMEOUT, "ip", "-o", "-4", "addr", "show").output();
    synchronized (subnetsInUse) {
      int start = ThreadLocalRandom.current().nextInt(SUBNETS);
      for (int i = 0; i < SUBNETS; i++) {
        int subnet = (start + i) % SUBNETS;
        String host = NET_PREFIX + (subnet >> 6) + "." + (((subnet & 63) << 2) + 1) + "/";
        if (!subnetsInUse.contains(subnet) && !addresses.contains(" " + host)) {
          subnetsInUse.add(subnet);
          return subnet;
        }
      }
    }
    throw new IllegalStateException("no free sandbox subnet in " + NET_PREFIX + "0.0/16");
  }

  private static String randomHex() {
    return Integer.toHexString(ThreadLocalRandom.current().nextInt(16, 256));
  }

  private static void must(String... command) throws IOException {
    HostCommands.Result result = HostCommands.run(CMD_TIMEOUT, command);
    if (!result.ok()) {
      throw new IOException(String.join(" ", command) + " failed: " + result.output());
    }
  }

  /**
   * The OCI runtime spec: the host's root file system read-only (the desktop programs are the
   * host's), private /tmp and /dev, the home bound read-write at its host path, an unprivileged
   * user without capabilities, and the prepared network namespace.
   */
  private static Map<String, Object> spec(
      Path home,
      Path entrypoint,
      Path policy,
      Path prints,
      int uid,
      int gid,
      Map<String, String> env,
      String netns) {
    List<String> envList = new ArrayList<>();
    env.forEach((k, v) -> envList.add(k + "=" + v));
    List<String> none = List.of();
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("user", Map.of("uid", uid, "gid", gid));
    process.put("args", List.of(entrypoint.toString(), "run"));
    process.put("env", envList);
    process.put("cwd", "/");
    process.put("noNewPrivileges", true);
    process.put(
        "capabilities",
        Map.of(
            "bounding", none,
            "effective", none,
            "inheritable", none,
            "permitted", none,
            "ambient", none));
    List<Map<String, Object>> mounts =
        List.of(
            mount("/proc", "proc", "proc", none),
            mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "mode=755")),
            mount(
                "/dev/pts",
                "devpts",
                "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")),
            mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777")),
            mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
            mount("/tmp", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777")),
            // The entrypoint is bound in by itself, read-only: its folder may lie under /tmp,
            // which the sandbox replaces with its own.
            mount(entrypoint.toString(), "bind", entrypoint.toString(), List.of("bind", "ro")),
            // What the agent tells the desktop (its watermark), read-only to the desktop.
            mount(policy.toString(), "bind", policy.toString(), List.of("bind", "ro")),
            // Where its printer writes PDFs (ADR 0043): the desktop's to write, never to run.
            mount(
                prints.toString(),
                "bind",
                prints.toString(),
                List.of("bind", "rw", "nosuid", "nodev", "noexec")),
            mount(home.toString(), "bind", home.toString(), List.of("rbind", "rw")));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("ociVersion", "1.0.0");
    spec.put("process", process);
    spec.put("root", Map.of("path", "/", "readonly", true));
    spec.put("hostname", "desktop");
    spec.put("mounts", mounts);
    spec.put(
        "linux",
        Map.of(
            "namespaces",
            List.of(
                Map.of("type", "pid"),
                Map.of("type", "ipc"),
                Map.of("type", "uts"),
                Map.of("type", "mount"),
                Map.of("type", "network", "path", "/var/run/netns/" + netns))));
    return spec;
  }

  private static Map<String, Object> mount(
      String destination, String type, String source, List<String> options) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("destination", destination);
    m.put("type", type);
    m.put("source", source);
    if (!options.isEmpty()) {
      m.put("options", options);
    }
    return m;
  }
}
