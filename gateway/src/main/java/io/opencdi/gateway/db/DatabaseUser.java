package io.opencdi.gateway.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The operating-system user the embedded PostgreSQL runs as. A gateway started as root runs it as a
 * dedicated system user ({@code opencdi-db} unless {@code opencdi.db.os-user} names another),
 * created on first use: never root, never the desktops' users. Any other gateway runs it as its own
 * user, which is all it can do.
 */
record DatabaseUser(String name, int uid, int gid) {
  private static final Logger LOG = Logger.getLogger(DatabaseUser.class);
  static final String DEFAULT_NAME = "opencdi-db";

  static DatabaseUser resolve() throws IOException {
    int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (self != 0) {
      return new DatabaseUser(null, self, -1);
    }
    String name = System.getProperty("opencdi.db.os-user");
    if (name == null || name.isBlank()) {
      name = System.getenv().getOrDefault("OPENCDI_DB_OS_USER", DEFAULT_NAME);
    }
    if (!name.matches("[a-z_][a-z0-9_-]{0,30}")) {
      throw new IOException("opencdi.db.os-user is not a user name: " + name);
    }
    DatabaseUser user = lookUp(name);
    // Several gateways may start at once: whoever loses the race to create the user finds it.
    for (int attempt = 0; user == null && attempt < 10; attempt++) {
      exec(
          "useradd",
          "--system",
          "--user-group",
          "--no-create-home",
          "--home-dir",
          "/nonexistent",
          "--shell",
          "/usr/sbin/nologin",
          "--comment",
          "OpenCDI embedded PostgreSQL",
          name);
      user = lookUp(name);
      if (user == null) {
        sleep(200L * (attempt + 1));
      } else {
        LOG.infof(
            "created the system user %s (uid %d) for the embedded PostgreSQL", name, user.uid);
      }
    }
    if (user == null) {
      throw new IOException("cannot create the system user " + name + " (useradd failed)");
    }
    if (user.uid == 0 || user.uid == 65534 || user.gid == 0) {
      throw new IOException(
          name + " is root or nobody; the embedded PostgreSQL needs its own user");
    }
    return user;
  }

  private static DatabaseUser lookUp(String name) throws IOException {
    String line = exec("getent", "passwd", name);
    String[] fields = line.trim().split(":");
    if (fields.length < 4) {
      return null;
    }
    return new DatabaseUser(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]));
  }

  /** Whether PostgreSQL runs as another user than the gateway (the gateway runs as root). */
  boolean switches() {
    return name != null;
  }

  /**
   * The command prefix that runs a program as this user, ending it when its parent ends: setpriv
   * sets the parent-death signal after switching user (a switch would clear it).
   */
  List<String> command() {
    List<String> cmd = new ArrayList<>(List.of("setpriv"));
    if (switches()) {
      cmd.addAll(List.of("--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
    }
    cmd.addAll(List.of("--pdeathsig", "INT", "--"));
    return cmd;
  }

  /** Gives {@code path} (recursively) to this user when it is not theirs yet. */
  void own(Path path) throws IOException {
    if (!switches() || (Integer) Files.getAttribute(path, "unix:uid") == uid) {
      return;
    }
    exec("chown", "-R", uid + ":" + gid, path.toString());
    if ((Integer) Files.getAttribute(path, "unix:uid") != uid) {
      throw new IOException("cannot give " + path + " to " + this);
    }
  }

  private static String exec(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return p.exitValue() == 0 ? out : "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return switches() ? name + " (uid " + uid + ")" : "uid " + uid;
  }
}
