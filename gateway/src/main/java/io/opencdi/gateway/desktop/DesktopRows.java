package io.opencdi.gateway.desktop;

import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.vertx.mutiny.sqlclient.Row;

/** A desktop row as the reactive client reads it, for the paths that do without the ORM. */
final class DesktopRows {
  /** Every column {@link #read} needs, in a form to put after {@code select}. */
  static final String COLUMNS =
      "id, name, owner_id, template_id, state, power, delete_requested, holds_capacity,"
          + " cluster_id, node_group, home_cluster_id, image, cpu_millis, memory_mib,"
          + " runtime_class, storage_class, home_volume_gib, region, zone, request_id,"
          + " status_reason, health, health_reason, placement_summary, restored_from, pool_id,"
          + " from_pool, app_layers, created_at, updated_at";

  private DesktopRows() {}

  static DesktopEntity read(Row r) {
    DesktopEntity d = new DesktopEntity();
    d.id = r.getUUID("id");
    d.name = r.getString("name");
    d.ownerId = r.getUUID("owner_id");
    d.templateId = r.getUUID("template_id");
    d.state = DesktopState.valueOf(r.getString("state"));
    d.power = Power.valueOf(r.getString("power"));
    d.deleteRequested = r.getBoolean("delete_requested");
    d.holdsCapacity = r.getBoolean("holds_capacity");
    d.clusterId = r.getUUID("cluster_id");
    d.nodeGroup = r.getString("node_group");
    d.homeClusterId = r.getUUID("home_cluster_id");
    d.image = r.getString("image");
    d.cpuMillis = r.getLong("cpu_millis");
    d.memoryMiB = r.getLong("memory_mib");
    d.runtimeClass = r.getString("runtime_class");
    d.storageClass = r.getString("storage_class");
    d.homeVolumeGiB = r.getInteger("home_volume_gib");
    d.region = r.getString("region");
    d.zone = r.getString("zone");
    d.requestId = r.getString("request_id");
    d.statusReason = r.getString("status_reason");
    d.health = DesktopHealth.valueOf(r.getString("health"));
    d.healthReason = r.getString("health_reason");
    d.placementSummary = r.getString("placement_summary");
    d.restoredFrom = r.getUUID("restored_from");
    d.poolId = r.getUUID("pool_id");
    d.fromPool = r.getBoolean("from_pool");
    d.appLayers = r.getString("app_layers");
    d.createdAt = r.getOffsetDateTime("created_at");
    d.updatedAt = r.getOffsetDateTime("updated_at");
    return d;
  }
}
