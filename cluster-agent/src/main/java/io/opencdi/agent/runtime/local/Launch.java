package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.DisplayEndpoint;
import java.util.Optional;
import java.util.Set;

/**
 * A started desktop: its process group, user, display (and the relay to it), its cgroups and, under
 * gVisor, its sandbox. With namespaces, {@code process} is the {@code unshare} that holds them and
 * its one child the namespace's init (the entrypoint).
 *
 * <p>Made by {@link DesktopLauncher}, held by the runtime while the desktop runs and read by the
 * health checks, the live figures and the run file for recovery, so it stands on its own. {@code
 * printsAtStart} are the PDFs its prints folder held when it started: no news in this run ({@link
 * PrintWatch}).
 */
record Launch(
    Process process,
    long pgid,
    int uid,
    boolean namespaces,
    int display,
    DisplayEndpoint endpoint,
    DisplayRelay relay,
    DesktopCgroups cgroups,
    Gvisor.Sandbox sandbox,
    DesktopLog log,
    DesktopHealthWatch health,
    long startedNanos,
    Set<String> printsAtStart) {

  /** The first process of the desktop's PID namespace (pid as the host sees it), if any. */
  Optional<ProcessHandle> namespaceInit() {
    return namespaces ? process.toHandle().children().findFirst() : Optional.empty();
  }
}
