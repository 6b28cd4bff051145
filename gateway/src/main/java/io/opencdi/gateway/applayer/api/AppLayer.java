package io.opencdi.gateway.applayer.api;

import io.opencdi.gateway.applayer.Layer;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Type;

/** An application layer as the API shows it. */
@Type("AppLayer")
@Description(
    "An application layer: a read-only image of programs composed over a desktop's image when it"
        + " starts. A name and version always mean the same image.")
public record AppLayer(
    @Id @NonNull String id,
    @NonNull String name,
    @NonNull String version,
    @Description("The OCI image holding the layer's files at its root.") @NonNull String image,
    @Description("When it was added; null where a template or desktop shows the layer it holds.")
        OffsetDateTime createdAt) {

  public static AppLayer from(Layer l, OffsetDateTime createdAt) {
    return new AppLayer(l.id().toString(), l.name(), l.version(), l.image(), createdAt);
  }

  public static AppLayer from(Layer l) {
    return from(l, null);
  }

  public Layer toLayer() {
    return new Layer(UUID.fromString(id), name, version, image);
  }
}
