package io.opencdi.agent.runtime.local;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;

/** The terminal of a local desktop as the tests use it: the shell that xterm runs. */
final class Terminals {
  private Terminals() {}

  /**
   * Waits until the terminal's shell runs (xterm starts it in a session of its own) and returns its
   * process id.
   */
  static long awaitShell(LocalRuntime.Launch launch) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> shell(launch), Optional::isPresent)
        .orElseThrow();
  }

  private static Optional<Long> shell(LocalRuntime.Launch launch) {
    return launch
        .process()
        .toHandle()
        .descendants()
        .filter(
            p ->
                p.info().command().orElse("").endsWith("/bash")
                    && p.parent().flatMap(q -> q.info().command()).orElse("").endsWith("/xterm"))
        .map(ProcessHandle::pid)
        .findFirst();
  }
}
