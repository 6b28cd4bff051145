package io.opencdi.gateway.quota.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Input;

/** Limits an admin sets for one user; each one left out (null) falls back to the default. */
@Description(
    "A user's own limits. Each field left out or null means the gateway's default for that limit.")
@Input("QuotaInput")
public record QuotaInput(
    Integer maxDesktops, Long maxCpuMillis, Long maxMemoryMiB, Integer maxSnapshots) {}
