package io.opencdi.placement.framework;

/** What one filter said about one cluster, kept for the explanation of a decision. */
public record FilterVerdict(String plugin, boolean passed, String reason) {}
