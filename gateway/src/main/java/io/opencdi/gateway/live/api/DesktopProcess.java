package io.opencdi.gateway.live.api;

import io.opencdi.protocol.ProcessUsage;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** One process of a running desktop. */
@Description("One process of a running desktop.")
public record DesktopProcess(
    @Description("Process id on the desktop's host (or in its sandbox).") int pid,
    @Description("Command line, shortened.") @NonNull String command,
    @Description("CPU time used since it started, in seconds.") double cpuSeconds,
    @Description("CPU it uses now, in percent of one core.") double cpuPercent,
    @Description("Resident memory in bytes.") long rssBytes) {

  static DesktopProcess from(ProcessUsage p) {
    return new DesktopProcess(
        (int) p.pid(), p.command(), p.cpuSeconds(), p.cpuPercent(), p.rssBytes());
  }
}
