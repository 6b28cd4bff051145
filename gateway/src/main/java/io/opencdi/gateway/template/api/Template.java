package io.opencdi.gateway.template.api;

import io.opencdi.gateway.template.TemplateEntity;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;

/** A desktop template. */
@Description("What a desktop runs: image, resources, isolation and storage.")
public record Template(
    @Id @NonNull String id,
    @NonNull String name,
    String description,
    @NonNull String image,
    long cpuMillis,
    long memoryMiB,
    @Description("Isolation runtime class: runc, gvisor or kata.") @NonNull String runtimeClass,
    @NonNull String storageClass,
    int homeVolumeGiB,
    @Description("Required CPU architecture, or null for any.") String arch) {

  public static Template from(TemplateEntity t) {
    return new Template(
        t.id.toString(),
        t.name,
        t.description,
        t.image,
        t.cpuMillis,
        t.memoryMiB,
        t.runtimeClass,
        t.storageClass,
        t.homeVolumeGiB,
        t.arch);
  }
}
