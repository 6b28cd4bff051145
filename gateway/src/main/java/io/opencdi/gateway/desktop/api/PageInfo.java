package io.opencdi.gateway.desktop.api;

/** Relay page information. */
public record PageInfo(boolean hasNextPage, String endCursor) {}
