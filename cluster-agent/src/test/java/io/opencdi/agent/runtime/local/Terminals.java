package io.opencdi.agent.runtime.local;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The terminal of a local desktop as the tests use it: the shell that xterm runs. */
final class Terminals {
  private Terminals() {}

  /**
   * Waits until the terminal's shell runs (xterm starts it in a session of its own) and returns its
   * process id.
   */
  static long awaitShell(Launch launch) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> shell(launch), Optional::isPresent)
        .orElseThrow();
  }

  /**
   * Types {@code text} into the terminal over RFB once its shell runs and its window has the
   * keyboard focus, which may come a moment after the shell: until then a probe is typed again
   * until the shell answers it in {@code home}.
   */
  static void type(Launch launch, RfbClient rfb, Path home, String text) throws IOException {
    awaitShell(launch);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              rfb.type("touch .typing\n");
              Thread.sleep(500);
              return Files.deleteIfExists(home.resolve(".typing"));
            });
    rfb.type(text);
  }

  private static Optional<Long> shell(Launch launch) {
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
