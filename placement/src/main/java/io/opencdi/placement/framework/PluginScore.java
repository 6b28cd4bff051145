package io.opencdi.placement.framework;

/** One plugin's contribution to a cluster's total: the (normalised) score and its weight. */
public record PluginScore(String plugin, int score, int weight) {}
