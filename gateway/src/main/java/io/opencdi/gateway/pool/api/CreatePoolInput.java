package io.opencdi.gateway.pool.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** A new warm pool. */
@Input("CreatePoolInput")
@Description("A warm pool: size members of a template kept running in a region (and zone).")
public record CreatePoolInput(
    @Id @NonNull String templateId,
    @NonNull String region,
    @Description("Only creations that ask for this zone are served; null for any zone.")
        String zone,
    @Description("Members to keep ready, 0 to 1000.") int size) {}
