package io.opencdi.gateway.desktop.api;

import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** What a user asks for when creating one desktop. */
@Description("A new desktop from a template; resources default to the template's.")
@Input("CreateDesktopInput")
public record CreateDesktopInput(
    @Id @NonNull String templateId,
    @Description("Display name; defaults to the template's name.") String name,
    @Description("Preferred region (placement prefers it, it is not a hard rule).") String region,
    @Description("Preferred zone.") String zone,
    Long cpuMillis,
    Long memoryMiB,
    @Description("Idempotency key: the same requestId from the same user returns the same desktop.")
        String requestId,
    @Description(
            "Application layers (ids) to add to the template's; a desktop with added layers always"
                + " starts cold, never from a warm pool.")
        @Id
        List<String> apps) {}
