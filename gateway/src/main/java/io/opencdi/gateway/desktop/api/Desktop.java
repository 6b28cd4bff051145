package io.opencdi.gateway.desktop.api;

import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.applayer.api.AppLayer;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Ignore;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Type;

/** A desktop as the API shows it; owner, template and cluster are resolved in batches. */
@Type("Desktop")
@Description("A Linux desktop: a container with a home volume, powered on and off like a VM.")
public record Desktop(
    @Id @NonNull String id,
    @NonNull String name,
    @NonNull DesktopState state,
    @NonNull Power power,
    long cpuMillis,
    long memoryMiB,
    @NonNull String runtimeClass,
    @NonNull String storageClass,
    @NonNull String image,
    @Description("The node group the desktop is placed on, within its cluster.") String nodeGroup,
    @Description("Why the desktop is in its state, for example the reason it FAILED.")
        String statusReason,
    @Description("Why placement chose its cluster.") String placementSummary,
    @Description(
            "How the desktop is doing over time, as its cluster judges it: DEGRADED when its"
                + " processes or memory reach their limits, its log grows too fast or its session"
                + " was restarted lately.")
        @NonNull
        DesktopHealth health,
    @Description("Why the desktop is DEGRADED; null when it is OK.") String healthReason,
    @Description(
            "Whether the desktop came from a warm pool, started ahead of demand, rather than from"
                + " a cold start.")
        boolean fromPool,
    @Description("Application layers composed over its image, lowest first.") @NonNull
        List<@NonNull AppLayer> apps,
    @NonNull OffsetDateTime createdAt,
    @NonNull OffsetDateTime updatedAt,
    @Ignore UUID ownerId,
    @Ignore UUID templateId,
    @Ignore UUID clusterId,
    @Ignore SharedLookups lookups) {

  public static Desktop from(DesktopEntity e) {
    return new Desktop(
        e.id.toString(),
        e.name,
        e.state,
        e.power,
        e.cpuMillis,
        e.memoryMiB,
        e.runtimeClass,
        e.storageClass,
        e.image,
        e.nodeGroup,
        e.statusReason,
        e.placementSummary,
        e.health == null ? DesktopHealth.OK : e.health,
        e.healthReason,
        e.fromPool,
        apps(e.appLayers),
        e.createdAt,
        e.updatedAt,
        e.ownerId,
        e.templateId,
        e.clusterId,
        null);
  }

  /**
   * This desktop answered with related objects its caller's transaction read already: its fields
   * {@code owner}, {@code template} and {@code cluster} are then served without a lookup.
   */
  public Desktop withLookups(SharedLookups known) {
    return new Desktop(
        id,
        name,
        state,
        power,
        cpuMillis,
        memoryMiB,
        runtimeClass,
        storageClass,
        image,
        nodeGroup,
        statusReason,
        placementSummary,
        health,
        healthReason,
        fromPool,
        apps,
        createdAt,
        updatedAt,
        ownerId,
        templateId,
        clusterId,
        known);
  }

  private static List<AppLayer> apps(String stored) {
    return LayerStack.fromJson(stored).stream().map(AppLayer::from).toList();
  }

  /** The form in which replicas pass a changed desktop to each other. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("state", state.name())
        .put("power", power.name())
        .put("cpuMillis", cpuMillis)
        .put("memoryMiB", memoryMiB)
        .put("runtimeClass", runtimeClass)
        .put("storageClass", storageClass)
        .put("image", image)
        .put("nodeGroup", nodeGroup)
        .put("statusReason", statusReason)
        .put("placementSummary", placementSummary)
        .put("health", health.name())
        .put("healthReason", healthReason)
        .put("fromPool", fromPool)
        .put("apps", LayerStack.toJson(apps.stream().map(AppLayer::toLayer).toList()))
        .put("createdAt", createdAt.toString())
        .put("updatedAt", updatedAt.toString())
        .put("ownerId", ownerId.toString())
        .put("templateId", templateId.toString())
        .put("clusterId", clusterId == null ? null : clusterId.toString());
  }

  /** A changed desktop as another replica passed it; the subscribers of its event share lookups. */
  public static Desktop fromJson(JsonObject j) {
    String cluster = j.getString("clusterId");
    return new Desktop(
        j.getString("id"),
        j.getString("name"),
        DesktopState.valueOf(j.getString("state")),
        Power.valueOf(j.getString("power")),
        j.getLong("cpuMillis"),
        j.getLong("memoryMiB"),
        j.getString("runtimeClass"),
        j.getString("storageClass"),
        j.getString("image"),
        j.getString("nodeGroup"),
        j.getString("statusReason"),
        j.getString("placementSummary"),
        DesktopHealth.valueOf(j.getString("health", DesktopHealth.OK.name())),
        j.getString("healthReason"),
        j.getBoolean("fromPool", false),
        apps(j.getString("apps")),
        OffsetDateTime.parse(j.getString("createdAt")),
        OffsetDateTime.parse(j.getString("updatedAt")),
        UUID.fromString(j.getString("ownerId")),
        UUID.fromString(j.getString("templateId")),
        cluster == null ? null : UUID.fromString(cluster),
        new SharedLookups());
  }
}
