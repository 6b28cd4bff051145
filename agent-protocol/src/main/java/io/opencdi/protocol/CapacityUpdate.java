package io.opencdi.protocol;

/** Sent by the agent whenever a cluster's capacity, labels or health change. */
public record CapacityUpdate(ClusterReport cluster, boolean ready) implements Message {}
