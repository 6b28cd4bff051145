package io.opencdi.gateway.pool.api;

import io.opencdi.gateway.pool.PoolRepository;
import io.opencdi.gateway.pool.WarmPool;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Ignore;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Type;

/** A warm pool as admins see it. */
@Type("Pool")
@Description(
    "Desktops of one template kept placed and running ahead of demand in a region: createDesktop"
        + " for that template there hands one over at once (fromPool: true), and the pool refills.")
public record Pool(
    @Id @NonNull String id,
    @NonNull String region,
    @Description("The pool's zone, or null for any zone of its region.") String zone,
    @Description("How many members the pool keeps ready.") int size,
    @Description("Members running and ready to hand over.") int ready,
    @Description("Members on their way up.") int starting,
    @Description("Why the pool is short of its size (for example no room), or null.")
        String statusReason,
    @NonNull OffsetDateTime createdAt,
    @Ignore UUID templateId) {

  public static Pool from(WarmPool p, PoolRepository.Counts counts) {
    return new Pool(
        p.id().toString(),
        p.region(),
        p.zone(),
        p.size(),
        counts.ready(),
        counts.starting(),
        p.statusReason(),
        p.createdAt(),
        p.templateId());
  }
}
