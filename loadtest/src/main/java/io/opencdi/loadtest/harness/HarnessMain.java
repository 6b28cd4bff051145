package io.opencdi.loadtest.harness;

import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a load run's system and keeps it up until the process is stopped, for exploring or
 * profiling by hand. Settings come from {@code loadtest.*} system properties; the admin's token is
 * written to {@code admin-token} in the run directory (readable by the owner only).
 */
public final class HarnessMain {
  private HarnessMain() {}

  public static void main(String[] args) throws Exception {
    Settings defaults = Settings.defaults(0 + 1, 10, 20, 110, 10, 100, 1);
    Settings settings = Settings.fromSystemProperties(defaults, "manual");
    Harness harness = Harness.start(settings, 1000);
    var tokenFile = settings.runDir().resolve("admin-token");
    Files.writeString(tokenFile, harness.adminToken());
    Files.setPosixFilePermissions(
        tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.writeString(
        settings.runDir().resolve("user-token"), harness.token(harness.usernames().get(0)));
    System.out.println("gateways: " + harness.baseUrls());
    System.out.println("template: " + harness.templateId());
    System.out.println("admin token in " + tokenFile + "; stop with Ctrl-C");
    Runtime.getRuntime().addShutdownHook(new Thread(harness::close));
    new CountDownLatch(1).await();
  }
}
