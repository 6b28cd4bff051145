package io.opencdi.gateway.auth.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** The result of signing in. */
public record LoginPayload(
    @Description("Bearer token for the Authorization header.") @NonNull String token,
    @NonNull User user) {}
