package io.opencdi.gateway.template.api;

import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** A new template. */
@Input("TemplateInput")
public record TemplateInput(
    @NonNull String name,
    String description,
    @NonNull String image,
    long cpuMillis,
    long memoryMiB,
    String runtimeClass,
    String storageClass,
    Integer homeVolumeGiB,
    String arch) {}
