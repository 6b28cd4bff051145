package io.opencdi.gateway.quota;

import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.QuotaExceededException;
import jakarta.enterprise.context.ApplicationScoped;

/** Each user's effective quota (their own or the defaults) and the checks against it. */
@ApplicationScoped
public class Quotas {
  private final QuotaConfig config;

  public Quotas(QuotaConfig config) {
    this.config = config;
  }

  /** The limits that apply to {@code user}: what an admin set, the defaults for the rest. */
  public QuotaLimits of(UserEntity user) {
    return new QuotaLimits(
        user.maxDesktops == null ? config.maxDesktops() : user.maxDesktops,
        user.maxCpuMillis == null ? config.maxCpuMillis() : user.maxCpuMillis,
        user.maxMemoryMiB == null ? config.maxMemoryMiB() : user.maxMemoryMiB,
        user.maxSnapshots == null ? config.maxSnapshots() : user.maxSnapshots,
        user.maxDesktops != null
            || user.maxCpuMillis != null
            || user.maxMemoryMiB != null
            || user.maxSnapshots != null);
  }

  public int maxSnapshotsPerDesktop() {
    return config.maxSnapshotsPerDesktop();
  }

  /**
   * Refuses, with {@code QUOTA_EXCEEDED}, a change that would take {@code user} beyond their quota.
   *
   * @param used what the user holds now (desktops owned; CPU and memory of running desktops)
   * @param newDesktops desktops the change adds (0 when powering on an existing one)
   * @param cpuMillis CPU the change makes the user hold in addition
   * @param memoryMiB memory the change makes the user hold in addition
   */
  public void requireRoom(
      UserEntity user, Usage used, long newDesktops, long cpuMillis, long memoryMiB) {
    QuotaLimits q = of(user);
    if (used.desktops() + newDesktops > q.maxDesktops()) {
      throw refused(user, q.maxDesktops() + " desktops", used.desktops() + " exist");
    }
    if (used.cpuMillis() + cpuMillis > q.maxCpuMillis()) {
      throw refused(
          user,
          q.maxCpuMillis() + " millicores of CPU",
          used.cpuMillis() + " are held by running desktops and this one needs " + cpuMillis);
    }
    if (used.memoryMiB() + memoryMiB > q.maxMemoryMiB()) {
      throw refused(
          user,
          q.maxMemoryMiB() + " MiB of memory",
          used.memoryMiB() + " are held by running desktops and this one needs " + memoryMiB);
    }
  }

  /** Refuses a snapshot beyond the user's or the desktop's snapshot limit. */
  public void requireSnapshotRoom(UserEntity user, long userSnapshots, long desktopSnapshots) {
    QuotaLimits q = of(user);
    if (userSnapshots >= q.maxSnapshots()) {
      throw refused(user, q.maxSnapshots() + " snapshots", userSnapshots + " exist");
    }
    if (desktopSnapshots >= config.maxSnapshotsPerDesktop()) {
      throw new QuotaExceededException(
          "a desktop may have "
              + config.maxSnapshotsPerDesktop()
              + " snapshots and this one has "
              + desktopSnapshots
              + "; delete one first");
    }
  }

  private static QuotaExceededException refused(UserEntity user, String limit, String used) {
    return new QuotaExceededException(
        "the quota of "
            + user.username
            + " allows "
            + limit
            + " and "
            + used
            + "; nothing was changed (an admin can raise it with setUserQuota)");
  }

  /** What a user holds against their quota. */
  public record Usage(long desktops, long cpuMillis, long memoryMiB) {}
}
