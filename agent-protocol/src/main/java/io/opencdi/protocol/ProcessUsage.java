package io.opencdi.protocol;

/**
 * One process of a desktop.
 *
 * @param pid process id, as the desktop's host (or sandbox) numbers it
 * @param command its command line (shortened), or its name when the command line is empty
 * @param cpuSeconds CPU time it has used since it started (user and system)
 * @param cpuPercent CPU it uses now, in percent of one core
 * @param rssBytes resident memory
 */
public record ProcessUsage(
    long pid, String command, double cpuSeconds, double cpuPercent, long rssBytes) {}
