package io.opencdi.placement.registry;

import io.opencdi.placement.plugins.architecture.Architecture;
import io.opencdi.placement.plugins.balancedallocation.BalancedAllocation;
import io.opencdi.placement.plugins.clusterready.ClusterReady;
import io.opencdi.placement.plugins.datalocality.DataLocality;
import io.opencdi.placement.plugins.imagelocality.ImageLocality;
import io.opencdi.placement.plugins.leastallocated.LeastAllocated;
import io.opencdi.placement.plugins.nodefit.NodeFit;
import io.opencdi.placement.plugins.notcordoned.NotCordoned;
import io.opencdi.placement.plugins.runtimeclass.RuntimeClass;
import io.opencdi.placement.plugins.storageclass.StorageClass;
import io.opencdi.placement.plugins.tenantquota.TenantQuota;
import io.opencdi.placement.plugins.userlocality.UserLocality;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which plugins a scheduler runs, by name: filters in the order they run, score plugins with their
 * weights.
 */
public record Profile(List<String> filters, List<Profile.WeightedScore> scores) {

  /** A score plugin and how much it counts in the weighted total. */
  public record WeightedScore(String plugin, int weight) {
    public WeightedScore {
      Objects.requireNonNull(plugin, "plugin");
      if (weight < 1) {
        throw new IllegalArgumentException("weight of " + plugin + " must be at least 1");
      }
    }
  }

  public Profile {
    filters = List.copyOf(filters);
    scores = List.copyOf(scores);
    if (new HashSet<>(filters).size() != filters.size()) {
      throw new IllegalArgumentException("duplicate filter in " + filters);
    }
    Set<String> names = new HashSet<>();
    for (WeightedScore score : scores) {
      if (!names.add(score.plugin())) {
        throw new IllegalArgumentException("duplicate score plugin " + score.plugin());
      }
    }
  }

  /**
   * Every built-in filter, cheapest and most often decisive first (the bulk fast path stops at the
   * first failure), and every score plugin, weighted in tiers so a more important preference
   * outweighs everything below it that realistically differs between clusters:
   *
   * <ul>
   *   <li>DataLocality 5 (500 points): away from the home volume, every file access crosses
   *       clusters or the volume must move;
   *   <li>UserLocality 3 (zone 300, region 150): display latency for the whole session — a
   *       same-zone cluster beats a same-region one that merely has the image cached;
   *   <li>ImageLocality 1: a cold pull delays only the first start on that cluster;
   *   <li>LeastAllocated 1 and BalancedAllocation 1: keep headroom and spread load when the
   *       preferences above are equal; their differences between clusters are usually a few tens.
   * </ul>
   */
  public static Profile defaults() {
    return new Profile(
        List.of(
            ClusterReady.NAME,
            NotCordoned.NAME,
            TenantQuota.NAME,
            Architecture.NAME,
            RuntimeClass.NAME,
            StorageClass.NAME,
            NodeFit.NAME),
        List.of(
            new WeightedScore(DataLocality.NAME, 5),
            new WeightedScore(UserLocality.NAME, 3),
            new WeightedScore(ImageLocality.NAME, 1),
            new WeightedScore(LeastAllocated.NAME, 1),
            new WeightedScore(BalancedAllocation.NAME, 1)));
  }

  /** The same profile with {@code plugin}'s weight set, adding the plugin if it was absent. */
  public Profile withWeight(String plugin, int weight) {
    List<WeightedScore> next = new ArrayList<>(scores);
    WeightedScore weighted = new WeightedScore(plugin, weight);
    int at = names().indexOf(plugin);
    if (at < 0) {
      next.add(weighted);
    } else {
      next.set(at, weighted);
    }
    return new Profile(filters, next);
  }

  private List<String> names() {
    return scores.stream().map(WeightedScore::plugin).toList();
  }
}
