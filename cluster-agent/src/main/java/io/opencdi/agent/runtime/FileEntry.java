package io.opencdi.agent.runtime;

import java.time.Instant;

/**
 * One regular file at the top of a desktop's home, as a listing shows it.
 *
 * @param name its name, one {@link io.opencdi.protocol.FileNames#valid} accepts
 * @param size its length in bytes
 * @param modifiedAt when it was last written, to the second
 */
public record FileEntry(String name, long size, Instant modifiedAt) {}
