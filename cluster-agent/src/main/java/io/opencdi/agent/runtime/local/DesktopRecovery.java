package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * What an earlier agent left in the data directory, found again when the runtime starts: every
 * desktop whose home is there comes back stopped, with its user and the layers it references, and
 * the processes and sandboxes of an agent that did not stop cleanly are ended first. A running
 * desktop's {@code run.properties} names those processes; the launcher writes it and ends it, and
 * only recovery reads it, so its format lives here.
 */
final class DesktopRecovery {
  // Logs under the runtime's category, as before recovery had a class of its own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);
  private static final String RUN_FILE = "run.properties";

  private final LocalSettings settings;
  private final LocalDataDir dataDir;
  private final Gvisor gvisor;
  private final boolean dropPrivileges;

  /**
   * @param gvisor the sandboxes' runner, or null when gVisor is not usable here
   * @param dropPrivileges whether desktops run as users of their own (the agent is root)
   */
  DesktopRecovery(
      LocalSettings settings, LocalDataDir dataDir, Gvisor gvisor, boolean dropPrivileges) {
    this.settings = settings;
    this.dataDir = dataDir;
    this.gvisor = gvisor;
    this.dropPrivileges = dropPrivileges;
  }

  /**
   * The desktops whose homes are in the data directory, each with nothing left running: not yet
   * known to the runtime, with no state.
   *
   * @throws IllegalStateException when the desktops' directory cannot be listed
   */
  List<LocalDesktop> recover(LayerCache layers) {
    Path desktopsDir = dataDir.desktops();
    List<Path> dirs;
    // A desktop without a record of its layers keeps every layer there is now (conservatively).
    Set<String> unpacked;
    try (var list = Files.list(desktopsDir)) {
      dirs = list.filter(Files::isDirectory).toList();
      unpacked = Set.copyOf(layers.digests());
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + desktopsDir + ": " + e, e);
    }
    List<LocalDesktop> found = new ArrayList<>();
    for (Path dir : dirs) {
      String id = dir.getFileName().toString();
      if (!LocalAdmission.isSafeId(id) || !Files.isDirectory(dir.resolve("home"))) {
        continue;
      }
      cleanUpLeftovers(id, dir);
      LocalDesktop d = new LocalDesktop(id);
      d.uid = dropPrivileges ? LocalDataDir.readUid(dir) : -1;
      Set<String> recorded = LocalDataDir.readLayers(dir);
      d.layerDigests = recorded != null ? recorded : unpacked;
      found.add(d);
    }
    return found;
  }

  /** Ends processes and sandboxes that an agent which did not stop cleanly left running. */
  private void cleanUpLeftovers(String id, Path dir) {
    Path runFile = dir.resolve(RUN_FILE);
    if (!Files.exists(runFile)) {
      return;
    }
    Properties run = new Properties();
    try (var in = Files.newInputStream(runFile)) {
      run.load(in);
    } catch (IOException e) {
      return;
    }
    long pgid = Long.parseLong(run.getProperty("pgid", "0"));
    String marker = "OPENCDI_DESKTOP_ID=" + id;
    boolean ours =
        HostCommands.groupMembers(pgid).stream().anyMatch(pid -> environ(pid).contains(marker));
    if (ours) {
      LOG.infof("desktop %s: ending process group %d left by an earlier agent", id, pgid);
      HostCommands.signalGroup(pgid, "KILL");
    }
    int uid = Integer.parseInt(run.getProperty("uid", "-1"));
    if (dropPrivileges && uid >= settings.desktopUidBase() && uid == LocalDataDir.readUid(dir)) {
      // Its own user's processes are the desktop's, wherever they went (setsid, daemons).
      HostCommands.killUser(uid);
    }
    if (run.getProperty("container") != null && gvisor != null) {
      gvisor.destroy(
          new Gvisor.Sandbox(
              run.getProperty("container"),
              run.getProperty("netns"),
              run.getProperty("hostVeth"),
              run.getProperty("sandboxIp"),
              Path.of(run.getProperty("stateRoot")),
              Path.of(run.getProperty("runsc")),
              List.of()));
    }
    try {
      Files.deleteIfExists(runFile);
    } catch (IOException e) {
      LOG.debugf("could not remove %s: %s", runFile, e.getMessage());
    }
  }

  /** Records a started desktop's processes, for the clean-up after an agent crash. */
  static void record(Path dir, Launch launch) throws IOException {
    Properties run = new Properties();
    run.setProperty("pgid", Long.toString(launch.pgid()));
    run.setProperty("uid", Integer.toString(launch.uid()));
    Gvisor.Sandbox s = launch.sandbox();
    if (s != null) {
      run.setProperty("container", s.containerId());
      run.setProperty("netns", s.netns());
      run.setProperty("hostVeth", s.hostVeth());
      run.setProperty("sandboxIp", s.sandboxIp());
      run.setProperty("stateRoot", s.stateRoot().toString());
      run.setProperty("runsc", s.runsc().toString());
    }
    try (var out = Files.newOutputStream(dir.resolve(RUN_FILE))) {
      run.store(out, "processes of the running desktop (for clean-up after an agent crash)");
    }
  }

  private static String environ(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "environ")).replace('\0', '\n');
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  /** Forgets a desktop's processes once they have ended. */
  static void forget(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(RUN_FILE));
    } catch (IOException e) {
      LOG.debugf("could not remove %s: %s", RUN_FILE, e.getMessage());
    }
  }
}
