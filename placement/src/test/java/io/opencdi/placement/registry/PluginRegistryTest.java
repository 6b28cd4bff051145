package io.opencdi.placement.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.placement.plugins.nodefit.NodeFit;
import io.opencdi.placement.plugins.notcordoned.NotCordoned;
import org.junit.jupiter.api.Test;

class PluginRegistryTest {

  @Test
  void defaultsRegisterEveryBuiltInPlugin() {
    PluginRegistry registry = PluginRegistry.defaults();
    assertThat(registry.filterNames())
        .containsExactly(
            "ClusterReady",
            "NotCordoned",
            "TenantQuota",
            "Architecture",
            "RuntimeClass",
            "StorageClass",
            "NodeFit");
    assertThat(registry.scoreNames())
        .containsExactly(
            "UserLocality",
            "DataLocality",
            "ImageLocality",
            "LeastAllocated",
            "BalancedAllocation");
    assertThat(registry.newFilter("NodeFit")).isInstanceOf(NodeFit.class);
  }

  @Test
  void registeringReturnsANewRegistryAndLeavesTheOldOne() {
    PluginRegistry empty = PluginRegistry.empty();
    PluginRegistry one = empty.withFilter(NotCordoned.NAME, NotCordoned::new);
    assertThat(empty.filterNames()).isEmpty();
    assertThat(one.filterNames()).containsExactly(NotCordoned.NAME);
    assertThat(one.newFilter(NotCordoned.NAME)).isNotSameAs(one.newFilter(NotCordoned.NAME));
  }

  @Test
  void refusesDuplicateAndUnknownNames() {
    PluginRegistry registry = PluginRegistry.defaults();
    assertThatThrownBy(() -> registry.withFilter(NodeFit.NAME, NodeFit::new))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("plugin NodeFit is already registered");
    assertThatThrownBy(() -> registry.newScore("Nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown score plugin Nope (registered: [UserLocality");
  }

  @Test
  void refusesAFactoryWhosePluginHasAnotherName() {
    PluginRegistry registry = PluginRegistry.empty().withFilter("Alias", NodeFit::new);
    assertThatThrownBy(() -> registry.newFilter("Alias"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("filter registered as Alias calls itself NodeFit");
  }
}
