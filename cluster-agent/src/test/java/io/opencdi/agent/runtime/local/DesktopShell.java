package io.opencdi.agent.runtime.local;

/** Runs shell scripts as programs of a running local desktop, for tests that look inside it. */
final class DesktopShell {
  private DesktopShell() {}

  /**
   * Runs a bash script in the desktop's namespaces, as its user, from its home. Root enters the
   * desktop's mount namespace: the programs it runs there are named by their host paths, never
   * looked up where a layer could add one.
   */
  static HostCommands.Result run(Launch desktop, String script) {
    long init = desktop.namespaceInit().orElseThrow().pid();
    return HostCommands.run(
        20_000,
        "/usr/bin/nsenter",
        "--target=" + init,
        "--pid",
        "--mount",
        "--net",
        "--ipc",
        "--",
        "/usr/bin/setpriv",
        "--reuid=" + desktop.uid(),
        "--regid=" + desktop.uid(),
        "--clear-groups",
        "--no-new-privs",
        "/usr/bin/env",
        "-i",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=" + DesktopLauncher.DESKTOP_HOME,
        "/bin/bash",
        "-c",
        "cd; " + script);
  }
}
