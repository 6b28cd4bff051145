package io.opencdi.protocol;

/**
 * A PDF the virtual printer of a desktop finished (ADR 0043), sent by the agent once per job so the
 * user's portal learns of it without asking. The gateway announces it to the desktop's owner only
 * if the desktop is on one of the agent's clusters and the name is a plain {@link FileNames file
 * name}; the PDF itself leaves only through the file tunnel.
 *
 * @param desktopId the gateway's desktop id
 * @param cluster the cluster running the desktop
 * @param name the PDF's name in the desktop's prints folder
 * @param sizeBytes its size
 * @param printedAtEpochMillis the agent's clock when the PDF appeared
 */
public record PrintJob(
    String desktopId, String cluster, String name, long sizeBytes, long printedAtEpochMillis)
    implements Message {}
