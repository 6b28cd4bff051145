package io.opencdi.gateway.pool;

import io.opencdi.gateway.desktop.WarmMembers;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * This replica's copy of the warm pools, read again at every keeping pass (and at once after a
 * change made here), so the placement pipeline knows without a query whether a creation could be
 * served from a pool. A pool created on another replica is used here from the next pass on; until
 * then creations start cold, as they would with an empty pool.
 */
@ApplicationScoped
public class PoolDirectory implements WarmMembers {
  private static final Logger LOG = Logger.getLogger(PoolDirectory.class);

  private final PoolRepository repository;
  private final PoolConfig config;
  private volatile List<WarmPool> pools = List.of();

  /** The clusters where pools hold idle members, with their regions, as of the last pass. */
  private volatile Map<UUID, String> idleClusters = Map.of();

  public PoolDirectory(PoolRepository repository, PoolConfig config) {
    this.repository = repository;
    this.config = config;
  }

  /** Reads the pools from the inventory. */
  public Uni<List<WarmPool>> refresh() {
    return repository
        .clustersWithIdleMembers()
        .invoke(idle -> idleClusters = Map.copyOf(idle))
        .flatMap(v -> repository.all())
        .invoke(all -> pools = List.copyOf(all));
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

  /**
   * Records the room wanted on the first of {@code clusters} where pools hold idle members, in the
   * user's region if one of them is there; the keeper releases it at its next pass. The record is
   * not waited for: a lost one costs the user a second refusal, never a wrong answer.
   */
  @Override
  public String roomRefused(
      List<UUID> clusters, UUID ownerId, String region, long cpuMillis, long memoryMiB) {
    Map<UUID, String> idle = idleClusters;
    UUID chosen = null;
    for (UUID c : clusters) {
      String r = idle.get(c);
      if (r != null && (chosen == null || r.equals(region))) {
        chosen = c;
        if (region == null || r.equals(region)) {
          break;
        }
      }
    }
    if (chosen == null) {
      return null;
    }
    repository
        .wanted(chosen, ownerId, cpuMillis, memoryMiB, config.hold())
        .subscribe()
        .with(v -> {}, e -> LOG.warnf("could not record room wanted from warm pools: %s", e));
    return "idle warm-pool desktops are being released to make room: try again in a few seconds";
  }
}
