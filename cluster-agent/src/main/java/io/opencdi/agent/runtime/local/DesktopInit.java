package io.opencdi.agent.runtime.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The init a desktop's processes run under: Debian's {@code tini}, the same one the desktop image
 * starts with. It is the first process of a desktop's PID namespace (or a subreaper where there is
 * none) and reaps the zombies a session's programs leave, which a shell would only collect when it
 * next waits. Without it installed desktops still run, their entrypoint being their first process.
 */
final class DesktopInit {
  private static final List<Path> CANDIDATES =
      List.of(Path.of("/usr/bin/tini"), Path.of("/usr/local/bin/tini"), Path.of("/sbin/tini"));

  private static final Optional<Path> FOUND =
      CANDIDATES.stream().filter(Files::isExecutable).findFirst();

  private DesktopInit() {}

  /** The init's path, if installed. */
  static Optional<Path> path() {
    return FOUND;
  }
}
