package io.opencdi.gateway.placement.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** A hypothetical desktop to explain placement for. */
@Input("PlacementPreviewInput")
public record PlacementPreviewInput(
    @Id @NonNull String templateId,
    @Description("Whose desktop (admin only; defaults to the caller).") String owner,
    String region,
    String zone,
    Long cpuMillis,
    Long memoryMiB) {}
