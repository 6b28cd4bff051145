package io.opencdi.gateway.desktop.api;

import io.opencdi.protocol.DesktopState;
import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/**
 * A change of a desktop.
 *
 * @param desktop the desktop after the change
 * @param previousState its state before, or null when it was created
 * @param at when the gateway recorded the change
 */
@Description("A change of a desktop: its new state and what it was before.")
public record DesktopEvent(
    @NonNull Desktop desktop, DesktopState previousState, @NonNull OffsetDateTime at) {}
