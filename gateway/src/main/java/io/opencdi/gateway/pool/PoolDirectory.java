package io.opencdi.gateway.pool;

import io.opencdi.gateway.desktop.WarmMembers;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * This replica's copy of the warm pools, read again at every keeping pass (and at once after a
 * change made here), so the placement pipeline knows without a query whether a creation could be
 * served from a pool. A pool created on another replica is used here from the next pass on; until
 * then creations start cold, as they would with an empty pool.
 */
@ApplicationScoped
public class PoolDirectory implements WarmMembers {
  private final PoolRepository repository;
  private volatile List<WarmPool> pools = List.of();

  public PoolDirectory(PoolRepository repository) {
    this.repository = repository;
  }

  /** Reads the pools from the inventory. */
  public Uni<List<WarmPool>> refresh() {
    return repository.all().invoke(all -> pools = List.copyOf(all));
  }

  public List<WarmPool> pools() {
    return pools;
  }

  /** Pools of the zone asked for before pools of the region, then the oldest first. */
  @Override
  public List<UUID> poolsFor(UUID templateId, String region, String zone) {
    List<WarmPool> fitting = new ArrayList<>();
    for (WarmPool p : pools) {
      if (p.size() > 0 && p.serves(templateId, region, zone)) {
        fitting.add(p);
      }
    }
    fitting.sort(Comparator.comparing((WarmPool p) -> p.zone() == null));
    return fitting.stream().map(WarmPool::id).toList();
  }
}
