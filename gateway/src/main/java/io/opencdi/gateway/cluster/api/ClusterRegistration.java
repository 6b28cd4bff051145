package io.opencdi.gateway.cluster.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/** A registered cluster and its join token, shown this once. */
@Description(
    "A cluster an administrator registered. Its agent joins it by sending joinToken in its Hello;"
        + " the token is shown only here, works once and only for this name.")
public record ClusterRegistration(
    @Description("The cluster's name, as its agent will announce it") @NonNull String name,
    @Description("The one-time join token; the gateway keeps only its hash") @NonNull
        String joinToken) {}
