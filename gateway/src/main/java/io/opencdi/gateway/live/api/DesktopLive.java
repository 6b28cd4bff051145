package io.opencdi.gateway.live.api;

import io.opencdi.protocol.DesktopUsage;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** What a running desktop uses now, as its cluster reports it. */
@Description("What a running desktop uses now, read from its cluster when asked.")
public record DesktopLive(
    @Description("CPU in use, in millicores (1000 = one core busy).") long cpuMillis,
    @Description("Memory in use, in bytes.") long memoryBytes,
    @Description(
            "Its processes, busiest first; null when the cluster's runtime cannot list them"
                + " (kubernetes).")
        List<@NonNull DesktopProcess> processes,
    @Description("When the cluster measured it.") @NonNull OffsetDateTime observedAt) {

  static DesktopLive from(DesktopUsage u) {
    return new DesktopLive(
        u.cpuMillis(),
        u.memoryBytes(),
        u.processes() == null ? null : u.processes().stream().map(DesktopProcess::from).toList(),
        OffsetDateTime.ofInstant(Instant.ofEpochMilli(u.observedAtEpochMillis()), ZoneOffset.UTC));
  }
}
