package io.opencdi.gateway.quota;

/**
 * One user's effective quota.
 *
 * @param maxDesktops desktops the user may own at once, running or powered off
 * @param maxCpuMillis CPU their running desktops may hold together
 * @param maxMemoryMiB memory their running desktops may hold together
 * @param maxSnapshots snapshots they may keep at once
 * @param custom whether an administrator set any of these for this user (else the defaults apply)
 */
public record QuotaLimits(
    int maxDesktops, long maxCpuMillis, long maxMemoryMiB, int maxSnapshots, boolean custom) {}
