package io.opencdi.gateway.applayer.api;

import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** A new application layer. */
@Input("AppLayerInput")
@Description("A new application layer; name and version together must be new.")
public record AppLayerInput(
    @Description("A DNS label, such as gimp.") @NonNull String name,
    @Description("Such as 2.10.3.") @NonNull String version,
    @Description("OCI image reference, such as registry.example.org/apps/gimp:2.10.3.") @NonNull
        String image) {}
