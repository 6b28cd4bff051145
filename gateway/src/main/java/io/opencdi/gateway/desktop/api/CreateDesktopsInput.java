package io.opencdi.gateway.desktop.api;

import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** Many desktops in one request: N copies for the caller, or one per listed user (admins). */
@Description(
    "Bulk creation, all or nothing: either `owners` (one desktop each; admin only) or `count`"
        + " copies for the caller.")
@Input("CreateDesktopsInput")
public record CreateDesktopsInput(
    @Id @NonNull String templateId,
    @Description("User names to create one desktop each for (admin only).") List<String> owners,
    @Description("How many copies to create for the caller when no owners are given.")
        Integer count,
    @Description("Prefix of the desktops' names; a number is appended.") String namePrefix,
    String region,
    String zone,
    @Description("Idempotency key of the whole batch.") String requestId) {}
