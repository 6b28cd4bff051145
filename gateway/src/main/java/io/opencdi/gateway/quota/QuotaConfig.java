package io.opencdi.gateway.quota;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * What one user may take of the fleet. Every user has these limits unless an administrator set
 * their own with {@code setUserQuota}; a changed default applies at once to every user without
 * limits of their own.
 */
@ConfigMapping(prefix = "opencdi.quota")
public interface QuotaConfig {
  /** Desktops a user may own at once, running or powered off. */
  @WithDefault("10")
  int maxDesktops();

  /** CPU, in millicores, a user's running desktops may hold together. */
  @WithDefault("32000")
  long maxCpuMillis();

  /** Memory, in MiB, a user's running desktops may hold together. */
  @WithDefault("65536")
  @WithName("max-memory-mib")
  long maxMemoryMiB();

  /** Snapshots a user may keep at once, over all their desktops. */
  @WithDefault("50")
  int maxSnapshots();

  /** Snapshots one desktop may have at once, whoever its owner; no administrator override. */
  @WithDefault("10")
  int maxSnapshotsPerDesktop();

  /** How fast one user may ask for new desktops and snapshots. */
  CreateRate createRate();

  /**
   * A token bucket per user, on each gateway replica: {@code burst} creations at once, then {@code
   * per-minute} more each minute. {@code createDesktop}, {@code createDesktops}, {@code
   * restoreDesktop} and {@code snapshotDesktop} each take one token per request.
   */
  interface CreateRate {
    /** Creations a user may send at once after a quiet while. */
    @WithDefault("10")
    int burst();

    /** Creations a user may send per minute, sustained. */
    @WithDefault("30")
    int perMinute();
  }
}
