package io.opencdi.gateway.karmada;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.opencdi.gateway.karmada.KarmadaPermissions.Permission;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gateway's RBAC on the Karmada API server grants exactly what {@link KarmadaPermissions}
 * declares: a verb the code needs and the YAML lacks fails here, and so does a grant nothing uses.
 * ({@code KarmadaBackendTest} checks the declaration against the requests really sent.)
 */
class KarmadaRbacTest {
  static final Path RBAC = Path.of("..", "helm", "opencdi-gateway", "karmada", "rbac.yaml");

  private final List<HasMetadata> objects = load();

  private static List<HasMetadata> load() {
    try (InputStream in = Files.newInputStream(RBAC)) {
      Object parsed = new KubernetesSerialization().unmarshal(in);
      List<HasMetadata> all = new ArrayList<>();
      if (parsed instanceof List<?> list) {
        list.forEach(o -> all.add((HasMetadata) o));
      } else {
        all.add((HasMetadata) parsed);
      }
      return all;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private <T> List<T> of(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void theYamlGrantsExactlyWhatTheBackendDeclares() {
    Set<Permission> granted = new HashSet<>();
    for (Role role : of(Role.class)) {
      assertThat(role.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
      role.getRules().forEach(rule -> expand(rule, true, granted));
    }
    for (ClusterRole role : of(ClusterRole.class)) {
      role.getRules().forEach(rule -> expand(rule, false, granted));
    }
    assertThat(problems(granted, new HashSet<>(KarmadaPermissions.REQUIRED))).isEmpty();
  }

  @Test
  void theBindingsGiveTheRolesToTheGatewayOnly() {
    RoleBinding binding = of(RoleBinding.class).getFirst();
    assertThat(binding.getRoleRef().getName())
        .isEqualTo(of(Role.class).getFirst().getMetadata().getName());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("opencdi-gateway");
            });
    ClusterRoleBinding clusterBinding = of(ClusterRoleBinding.class).getFirst();
    assertThat(clusterBinding.getRoleRef().getName())
        .isEqualTo(of(ClusterRole.class).getFirst().getMetadata().getName());
    assertThat(clusterBinding.getSubjects()).isEqualTo(binding.getSubjects());
  }

  @Test
  void theCheckReportsAMissingVerbAndAnUnusedGrant() {
    Set<Permission> granted = new HashSet<>(KarmadaPermissions.REQUIRED);
    Permission deleteDesktops = new Permission("opencdi.io", "desktops", "delete", true);
    Permission readSecrets = new Permission("", "secrets", "get", true);
    granted.remove(deleteDesktops);
    granted.add(readSecrets);
    assertThat(problems(granted, new HashSet<>(KarmadaPermissions.REQUIRED)))
        .containsExactlyInAnyOrder(
            "needed by the code, not granted: " + deleteDesktops,
            "granted, not needed by the code: " + readSecrets);
  }

  static List<String> problems(Set<Permission> granted, Set<Permission> declared) {
    List<String> problems = new ArrayList<>();
    declared.stream()
        .filter(p -> !granted.contains(p))
        .forEach(p -> problems.add("needed by the code, not granted: " + p));
    granted.stream()
        .filter(p -> !declared.contains(p))
        .forEach(p -> problems.add("granted, not needed by the code: " + p));
    return problems;
  }

  private static void expand(PolicyRule rule, boolean namespaced, Set<Permission> into) {
    assertThat(rule.getResourceNames()).as("resourceNames are not used").isNullOrEmpty();
    assertThat(rule.getNonResourceURLs()).as("nonResourceURLs are not used").isNullOrEmpty();
    for (String group : rule.getApiGroups()) {
      for (String resource : rule.getResources()) {
        for (String verb : rule.getVerbs()) {
          into.add(new Permission(group, resource, verb, namespaced));
        }
      }
    }
  }
}
