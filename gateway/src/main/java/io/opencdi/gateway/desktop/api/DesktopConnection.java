package io.opencdi.gateway.desktop.api;

import java.util.List;
import org.eclipse.microprofile.graphql.NonNull;

/** One page of desktops, Relay style. */
public record DesktopConnection(
    @NonNull List<@NonNull DesktopEdge> edges, @NonNull PageInfo pageInfo, long totalCount) {}
