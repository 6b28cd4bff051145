package io.opencdi.gateway.cluster.api;

import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.graphql.SharedLookups;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Ignore;
import org.eclipse.microprofile.graphql.NonNull;

/** A member cluster; its capacity and node groups are resolved in batches. */
@Description("A member cluster that runs desktops, served by one cluster agent.")
public record Cluster(
    @Id @NonNull String id,
    @NonNull String name,
    @NonNull String region,
    @NonNull String zone,
    @Description("simulated, local or kubernetes") @NonNull String runtime,
    @Description("The agent is connected and its heartbeat is fresh.") boolean ready,
    @Description("Cordoned clusters get no new desktops.") boolean cordoned,
    OffsetDateTime heartbeatAt,
    @NonNull List<@NonNull String> architectures,
    @NonNull List<@NonNull String> runtimeClasses,
    @NonNull List<@NonNull String> storageClasses,
    @Ignore UUID uuid,
    @Ignore SharedLookups lookups) {

  /** This cluster as an event carries it: its subscribers share the lookups of its capacity. */
  public Cluster forEvent() {
    return new Cluster(
        id,
        name,
        region,
        zone,
        runtime,
        ready,
        cordoned,
        heartbeatAt,
        architectures,
        runtimeClasses,
        storageClasses,
        uuid,
        new SharedLookups());
  }

  public static Cluster from(ClusterEntity c, boolean fresh) {
    return new Cluster(
        c.id.toString(),
        c.name,
        c.region,
        c.zone,
        c.runtime,
        c.ready && fresh,
        c.cordoned,
        c.heartbeatAt,
        List.of(c.architectures),
        List.of(c.runtimeClasses),
        List.of(c.storageClasses),
        c.id,
        null);
  }
}
