package io.opencdi.placement.registry;

import io.opencdi.placement.framework.FilterPlugin;
import io.opencdi.placement.framework.ScorePlugin;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Maps plugin names to factories, like Karmada's {@code runtime.Registry}. Immutable: {@link
 * #withFilter} and {@link #withScore} return a new registry, so there is no global state to fill
 * from static initialisers and each scheduler sees exactly the registry it was built with.
 */
public final class PluginRegistry {

  private final Map<String, Supplier<? extends FilterPlugin>> filters;
  private final Map<String, Supplier<? extends ScorePlugin>> scores;

  private PluginRegistry(
      Map<String, Supplier<? extends FilterPlugin>> filters,
      Map<String, Supplier<? extends ScorePlugin>> scores) {
    this.filters = Collections.unmodifiableMap(filters);
    this.scores = Collections.unmodifiableMap(scores);
  }

  public static PluginRegistry empty() {
    return new PluginRegistry(new LinkedHashMap<>(), new LinkedHashMap<>());
  }

  /** A new registry with every built-in plugin. */
  public static PluginRegistry defaults() {
    return empty()
        .withFilter(ClusterReady.NAME, ClusterReady::new)
        .withFilter(NotCordoned.NAME, NotCordoned::new)
        .withFilter(TenantQuota.NAME, TenantQuota::new)
        .withFilter(Architecture.NAME, Architecture::new)
        .withFilter(RuntimeClass.NAME, RuntimeClass::new)
        .withFilter(StorageClass.NAME, StorageClass::new)
        .withFilter(NodeFit.NAME, NodeFit::new)
        .withScore(UserLocality.NAME, UserLocality::new)
        .withScore(DataLocality.NAME, DataLocality::new)
        .withScore(ImageLocality.NAME, ImageLocality::new)
        .withScore(LeastAllocated.NAME, LeastAllocated::new)
        .withScore(BalancedAllocation.NAME, BalancedAllocation::new);
  }

  /**
   * @throws IllegalArgumentException if a filter of that name is already registered
   */
  public PluginRegistry withFilter(String name, Supplier<? extends FilterPlugin> factory) {
    return new PluginRegistry(plus(filters, name, factory), new LinkedHashMap<>(scores));
  }

  /**
   * @throws IllegalArgumentException if a score plugin of that name is already registered
   */
  public PluginRegistry withScore(String name, Supplier<? extends ScorePlugin> factory) {
    return new PluginRegistry(new LinkedHashMap<>(filters), plus(scores, name, factory));
  }

  public Set<String> filterNames() {
    return filters.keySet();
  }

  public Set<String> scoreNames() {
    return scores.keySet();
  }

  /**
   * @throws IllegalArgumentException if no filter of that name is registered
   */
  public FilterPlugin newFilter(String name) {
    return create("filter", filters, name, FilterPlugin::name);
  }

  /**
   * @throws IllegalArgumentException if no score plugin of that name is registered
   */
  public ScorePlugin newScore(String name) {
    return create("score plugin", scores, name, ScorePlugin::name);
  }

  private static <T> Map<String, Supplier<? extends T>> plus(
      Map<String, Supplier<? extends T>> map, String name, Supplier<? extends T> factory) {
    Map<String, Supplier<? extends T>> next = new LinkedHashMap<>(map);
    if (next.putIfAbsent(name, factory) != null) {
      throw new IllegalArgumentException("plugin " + name + " is already registered");
    }
    return next;
  }

  private static <T> T create(
      String kind,
      Map<String, Supplier<? extends T>> factories,
      String name,
      Function<T, String> nameOf) {
    Supplier<? extends T> factory = factories.get(name);
    if (factory == null) {
      throw new IllegalArgumentException(
          "unknown " + kind + " " + name + " (registered: " + factories.keySet() + ")");
    }
    T plugin = factory.get();
    if (!name.equals(nameOf.apply(plugin))) {
      throw new IllegalStateException(
          kind + " registered as " + name + " calls itself " + nameOf.apply(plugin));
    }
    return plugin;
  }
}
