package io.opencdi.protocol;

/**
 * Liveness of the channel, sent by the agent every {@link Welcome#heartbeatSeconds()}. A cluster
 * whose heartbeat is stale is filtered out of placement.
 *
 * @param sentAtEpochMillis the agent's clock when it sent the frame
 */
public record Heartbeat(long sentAtEpochMillis) implements Message {}
