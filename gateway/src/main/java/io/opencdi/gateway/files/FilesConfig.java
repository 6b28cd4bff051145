package io.opencdi.gateway.files;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of the file and prints routes (ADR 0042). */
@ConfigMapping(prefix = "opencdi.files")
public interface FilesConfig {
  /**
   * File requests (listings, uploads, downloads, prints) one user may have under way at once on one
   * gateway replica: each holds a tunnel and a helper process on the desktop's host, so a user
   * cannot pile them up. Beyond it: HTTP 429 {@code OVERLOADED}, nothing started.
   */
  @WithDefault("8")
  int maxPerUser();

  /**
   * Longest time a transfer may stand still because one side does not take what the other sends (a
   * browser that stopped reading a download, an agent that stopped taking an upload): then it ends,
   * the tunnel and the desktop's helper with it, and the request no longer counts against {@link
   * #maxPerUser}. Without it, a stalled transfer would hold them until the HTTP idle timeout.
   */
  @WithDefault("60s")
  java.time.Duration stallTimeout();
}
