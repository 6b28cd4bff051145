package io.opencdi.gateway.quota.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** A user's effective quota and what they hold against it. */
@Description(
    "What a user may hold at once, and holds now. Limits an admin did not set are the"
        + " gateway's defaults.")
public record Quota(
    @Description("Desktops the user may own at once, running or powered off.") int maxDesktops,
    @Description("CPU, in millicores, the user's running desktops may hold together.") @NonNull
        Long maxCpuMillis,
    @Description("Memory, in MiB, the user's running desktops may hold together.") @NonNull
        Long maxMemoryMiB,
    @Description("Snapshots the user may keep at once.") int maxSnapshots,
    @Description("Whether an admin set limits of this user's own (setUserQuota).") boolean custom,
    @Description("Desktops the user owns now (not DELETED).") int usedDesktops,
    @Description("CPU held by the user's running desktops.") @NonNull Long usedCpuMillis,
    @Description("Memory held by the user's running desktops.") @NonNull Long usedMemoryMiB,
    @Description("Snapshots the user keeps now (not DELETING).") int usedSnapshots) {}
