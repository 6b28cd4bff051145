package io.opencdi.gateway.cluster.api;

import org.eclipse.microprofile.graphql.Description;

/** Capacity of a cluster; allocated counts desktops the gateway placed and other workloads. */
@Description("Allocatable and allocated capacity; allocated includes other workloads.")
public record ClusterCapacity(
    long allocatableCpuMillis,
    long allocatedCpuMillis,
    long allocatableMemoryMiB,
    long allocatedMemoryMiB,
    int allocatableDesktops,
    int allocatedDesktops,
    @Description("The most CPU a single new desktop can get on one node.")
        long largestFreeCpuMillis,
    @Description("The most memory a single new desktop can get on one node.")
        long largestFreeMemoryMiB) {}
