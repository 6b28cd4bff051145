package io.opencdi.gateway.cluster.api;

import org.eclipse.microprofile.graphql.NonNull;

/** Capacity of one node group of a cluster. */
public record NodeGroup(
    @NonNull String name,
    @NonNull String arch,
    long allocatableCpuMillis,
    long allocatedCpuMillis,
    long allocatableMemoryMiB,
    long allocatedMemoryMiB,
    int allocatableDesktops,
    int allocatedDesktops) {}
