package io.opencdi.gateway.desktop.api;

import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;

/** Narrows a desktop listing; every field is optional and they combine with AND. */
@Description("Narrows a desktop listing; fields combine with AND.")
@Input("DesktopFilter")
public record DesktopFilter(
    DesktopState state,
    @Id String clusterId,
    @Description("Owner's user name (admins only; users always see their own).") String owner,
    @Id String templateId,
    @Description("Include deleted desktops (default false).") Boolean includeDeleted,
    @Description("Only desktops with this health, e.g. DEGRADED for the console's list.")
        DesktopHealth health) {
  // One constructor only: SmallRye GraphQL builds the input type from the one it picks.
}
