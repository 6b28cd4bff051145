package io.opencdi.gateway.desktop.api;

import org.eclipse.microprofile.graphql.NonNull;

/** A desktop and its cursor. */
public record DesktopEdge(@NonNull String cursor, @NonNull Desktop node) {}
