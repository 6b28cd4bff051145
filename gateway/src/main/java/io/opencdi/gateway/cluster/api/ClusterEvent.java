package io.opencdi.gateway.cluster.api;

import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** A change of a cluster's capacity, health or cordon state. */
@Description("A cluster's capacity, health or cordon state changed.")
public record ClusterEvent(
    @NonNull Cluster cluster,
    @Description("capacity, health, cordon or registered") @NonNull String reason,
    @NonNull OffsetDateTime at) {}
